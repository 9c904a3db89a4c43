/** The roles of DESIGN.md §1. The public is not a role: it is the absence of a session. */
export const ROLES = ['bidder', 'tenderer', 'agency', 'expert', 'centre', 'supervisor', 'guarantor'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, { zh: string; en: string }> = {
  bidder: { zh: '投标人', en: 'Bidder' },
  tenderer: { zh: '招标人', en: 'Tenderer' },
  agency: { zh: '招标代理', en: 'Tendering agency' },
  expert: { zh: '评标专家', en: 'Evaluation expert' },
  centre: { zh: '交易中心', en: 'Trading centre' },
  supervisor: { zh: '行政监督', en: 'Supervisor' },
  guarantor: { zh: '保函机构', en: 'Guarantor' },
};

/** Which organisation kind a role's account belongs to; experts are individuals in the pool. */
export const ORGANISATION_KINDS = ['centre', 'supervisor', 'tenderer', 'agency', 'bidder', 'guarantor'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export const ROLE_ORGANISATION_KIND: Record<Role, OrganisationKind | null> = {
  bidder: 'bidder',
  tenderer: 'tenderer',
  agency: 'agency',
  expert: null,
  centre: 'centre',
  supervisor: 'supervisor',
  guarantor: 'guarantor',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
