import type { Role } from '@ggzy/domain';

// Typed against the domain's Role, so a new role fails typecheck here; kept local because the
// domain package's runtime entry also carries its zod schemas, which the browser does not need.
const ROLE_CODES: Record<Role, true> = {
  bidder: true,
  tenderer: true,
  agency: true,
  expert: true,
  centre: true,
  supervisor: true,
  guarantor: true,
};

export function isRoleCode(value: string | null): value is Role {
  return value !== null && Object.hasOwn(ROLE_CODES, value);
}
