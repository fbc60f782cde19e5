/**
 * Grants by name: what the store, the lifecycle pieces and each channel expose for the functions
 * that use them (SST-style: permissions are declared next to what needs them, and roles are
 * assembled from them). The function topology names grants; the catalog turns names into IAM
 * permissions, and a name nothing exposes is an error before any resource is created.
 */
import type { Permission } from "./permissions";

export class GrantCatalog {
  private readonly grants = new Map<string, Permission[]>();

  /** Exposes `permissions` under `name`; exposing the same name again adds to it. */
  expose(name: string, ...permissions: Permission[]): void {
    this.grants.set(name, [...(this.grants.get(name) ?? []), ...permissions]);
  }

  /** The permissions of every named grant. An empty grant (e.g. releaseAsks with no channel to release) is allowed. */
  resolve(names: readonly string[], owner: string): Permission[] {
    return names.flatMap((name) => {
      const permissions = this.grants.get(name);
      if (permissions === undefined)
        throw new Error(`${owner} needs grant "${name}", which nothing in this stack exposes`);
      return permissions;
    });
  }
}
