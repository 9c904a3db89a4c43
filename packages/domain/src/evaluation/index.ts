export {
  DRAW_VERSION,
  canonicalDrawInputs,
  drawDigests,
  drawInputsSchema,
  encodeDrawInputs,
  encodePool,
  organisationRefSchema,
  poolExpertSchema,
  type CanonicalDrawInputs,
  type CanonicalExpert,
  type CanonicalRef,
  type DeploymentRule,
  type DrawDigests,
  type DrawInputs,
  type OrganisationRef,
  type PoolExpert,
} from './draw-inputs';
export * from './draw';
export * from './draw-record';
export * from './committee';
export * from './draw-timing';
export { fromDecimal, hasAtMostDecimals, roundHalfUp, type Fraction } from './scoring-exact';
export * from './scoring-price';
export * from './scoring-sheet';
export * from './scoring-result';
