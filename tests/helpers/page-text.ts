/** The visible text of an HTML page: style block and tags removed, whitespace collapsed, for sentence assertions. */
export function pageText(body: string | undefined): string {
  return (body ?? "")
    .replace(/<style>[\s\S]*?<\/style>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ");
}
