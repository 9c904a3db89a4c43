import type { Role } from './roles';

/**
 * Typed permission strings, `action:entity:scope`. Every API procedure declares exactly one of these
 * (or 'public'); a test enumerates the router and checks every role against every declaration, so a
 * procedure added without one fails the suite.
 *
 * Scopes: `own` = the caller's own account or organisation; `region` = the caller's centre or
 * supervisor region and the regions below it; `any` = everything.
 */
export const PERMISSIONS = [
  'read:session:own',
  'update:account:own',
  'read:organisation:region',
  'update:account:region',
  'read:trace:any',
  'create:section:own',
  'update:section:own',
  'read:section:own',
  'read:section:region',
  'download:documents:any',
  'create:question:any',
  'create:objection:any',
  'read:bidding:own',
  'update:calendar:any',
  'read:downloads:region',
  'create:certificate:own',
  'read:certificate:own',
  'update:certificate:own',
  'create:bid:own',
  'read:bids:own',
  'read:bids:region',
  // The opening hall: centre staff of the section's own centre host it (the centre is checked per call).
  'host:hall:region',
  // A bidder with a standing bid signs in, hands over its content key, confirms or objects.
  'attend:hall:own',
  // A custodian of the section's opening key (section.custodianIds, checked per call) fetches its own
  // sealed share and submits the opened share to recover a bid whose bidder cannot open it.
  'recover:hall:own',
  // The expert pool (评标专家库): centre staff maintain the experts of their region (import included).
  'manage:experts:region',
  // An expert keeps their own profile (availability, declared conflicts) and answers their own draws.
  'update:expert:own',
  // The expert draw (专家抽取): centre staff of the section's own centre request and draw the committee.
  'draw:committee:region',
  // Who sits on a committee is secret until the result (招标投标法 art. 37): the centre and the supervisor only, every read traced.
  'read:committee:region',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** A procedure's declaration: a permission, or 'public' for what anyone may call without a session. */
export type Access = Permission | 'public';

// Everybody may hold a certificate: bidders sign bids, centre staff and supervisors hold opening-key shares.
const EVERY_ACCOUNT: Permission[] = [
  'read:session:own',
  'update:account:own',
  'create:certificate:own',
  'read:certificate:own',
  'update:certificate:own',
];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  // A bidder company reads notices and documents, asks, objects, and follows what it obtained.
  bidder: [...EVERY_ACCOUNT, 'download:documents:any', 'create:question:any', 'create:objection:any', 'read:bidding:own', 'create:bid:own', 'attend:hall:own'],
  // The buyer and its agent run their own projects' sections.
  // Who submitted (never what, nor when) for their own sections: read:bids:own.
  tenderer: [...EVERY_ACCOUNT, 'create:section:own', 'update:section:own', 'read:section:own', 'read:bids:own'],
  agency: [...EVERY_ACCOUNT, 'create:section:own', 'update:section:own', 'read:section:own', 'read:bids:own'],
  expert: [...EVERY_ACCOUNT, 'update:expert:own'],
  guarantor: [...EVERY_ACCOUNT],
  // Centre staff administer the accounts of their own centre's region.
  centre: [...EVERY_ACCOUNT, 'read:organisation:region', 'update:account:region', 'read:section:region', 'update:calendar:any', 'read:bids:region', 'host:hall:region', 'recover:hall:own', 'manage:experts:region', 'draw:committee:region', 'read:committee:region'],
  // The regulator sees everything read-only, including the full trace log (DESIGN.md §1).
  // Who obtained the documents is kept from the tenderer (实施条例 art. 22); the regulator sees it.
  supervisor: [...EVERY_ACCOUNT, 'read:organisation:region', 'read:trace:any', 'read:section:region', 'read:downloads:region', 'read:bids:region', 'recover:hall:own', 'read:committee:region'],
};

export function roleHasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
