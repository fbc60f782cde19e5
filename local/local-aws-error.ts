/**
 * An error a local AWS endpoint answers with: the service's error code and the HTTP status AWS
 * uses for it. Each fake serialises it in its own wire protocol (XML for SNS, JSON for the rest).
 */
export class LocalAwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}
