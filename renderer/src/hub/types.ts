/**
 * The hub's own answers as its page sees them. The records the API shares
 * with the hub's server live in main/common/hub.ts; only the page's views of
 * them are here. Credentials never appear: a project says only whether it
 * has them.
 */
import type { HubProject, HubUser, ProjectRole } from '../../../main/common/hub';

export type { AuditEntry, HubMember, HubProject, HubUser, IssuedToken, ProjectRole } from '../../../main/common/hub';

/** A project as `me` lists it: with the caller's role there. */
export interface MyProject extends HubProject {
  role: ProjectRole;
}

export interface Me {
  user: HubUser;
  projects: MyProject[];
}
