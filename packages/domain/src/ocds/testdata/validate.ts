/**
 * Test-only: validates against the official OCDS 1.1 schemas kept beside this file (see
 * SOURCE.md). JSON Schema draft-04 through ajv-draft-04, formats (date-time, uri) through
 * ajv-formats. The release package refers to the release schema by its canonical URL; that URL is
 * the release schema's own `id`, so registering the schema resolves the reference locally and
 * nothing is fetched.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

type JsonSchema = { [key: string]: unknown };

function load(name: string): JsonSchema {
  return JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')) as JsonSchema;
}

export const releaseSchema = load('release-schema.json');
export const releasePackageSchema = load('release-package-schema.json');

/** OCDS metadata keywords: annotations for tooling, no validation meaning. */
const OCDS_KEYWORDS = ['codelist', 'openCodelist', 'omitWhenMerged', 'wholeListMerge', 'versionId', 'deprecated'];

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
ajv.addVocabulary(OCDS_KEYWORDS);
ajv.addSchema(releaseSchema);

const validators = {
  release: ajv.getSchema(releaseSchema.id as string) as ValidateFunction,
  releasePackage: ajv.compile(releasePackageSchema),
};

export interface SchemaCheck {
  valid: boolean;
  errors: ErrorObject[];
  /** One line per error, for failure messages. */
  report: string;
}

function check(validate: ValidateFunction, data: unknown): SchemaCheck {
  // Validate what would be published: the JSON text, not the in-memory object.
  const valid = validate(JSON.parse(JSON.stringify(data))) as boolean;
  const errors = [...(validate.errors ?? [])];
  const report = errors.map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
  return { valid, errors, report };
}

export const validateRelease = (data: unknown): SchemaCheck => check(validators.release, data);
export const validateReleasePackage = (data: unknown): SchemaCheck => check(validators.releasePackage, data);

function resolve(schema: JsonSchema): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace(/^#\/definitions\//, '');
  const target = (releaseSchema.definitions as Record<string, JsonSchema>)[name];
  if (!target) throw new Error(`unresolved $ref ${ref}`);
  return resolve(target);
}

/**
 * The paths of fields the data carries that the release schema does not define, or defines as
 * deprecated. The core schema allows extra properties, so this is how "only core 1.1 fields" is
 * tested.
 */
export function undeclaredFields(data: unknown, schema: JsonSchema = releaseSchema, path = ''): string[] {
  const here = resolve(schema);
  if (Array.isArray(data)) {
    const items = here.items as JsonSchema | undefined;
    return items ? data.flatMap((item, i) => undeclaredFields(item, items, `${path}/${i}`)) : [];
  }
  if (data === null || typeof data !== 'object') return [];
  const properties = (here.properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(data).flatMap(([key, value]) => {
    const property = properties[key];
    if (!property) return [`${path}/${key}`];
    if (property.deprecated) return [`${path}/${key} (deprecated)`];
    return undeclaredFields(value, property, `${path}/${key}`);
  });
}
