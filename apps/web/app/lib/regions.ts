/**
 * The regions offered by the portal's region filter, parents first (a filter on a city includes its
 * counties: the API widens it). The API has no public list of regions yet, so this deployment's
 * regions are named here; when `portal.regions` exists this list should come from it.
 */
export const PORTAL_REGIONS: ReadonlyArray<{ code: string; name: string; depth: number }> = [
  { code: '990000', name: '示例省', depth: 0 },
  { code: '990100', name: '示例市', depth: 1 },
  { code: '990121', name: '东江县', depth: 2 },
  { code: '990122', name: '西山县', depth: 2 },
];
