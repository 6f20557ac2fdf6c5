// json-schema.js: a JSON Schema (draft 2020-12) validator for the keywords
// core/config.schema.json uses, so tests can ask the schema for its verdict on
// a configuration and compare it with validateConfig's. A keyword it does not
// know throws: a schema that grows one needs it here before its tests can pass.
// Semantics: https://json-schema.org/draft/2020-12/json-schema-validation
import { isDeepStrictEqual } from 'node:util';

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default']);
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const TYPES = {
  null: (v) => v === null, boolean: (v) => typeof v === 'boolean', string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number', integer: (v) => Number.isInteger(v), array: Array.isArray, object: isObject,
};

// Whether value is valid against schema (true and false are schemas too).
export function schemaAccepts(schema, value) {
  if (schema === true) return true;
  if (schema === false) return false;
  for (const [k, s] of Object.entries(schema)) {
    if (ANNOTATIONS.has(k)) continue;
    if (!check(k, s, schema, value)) return false;
  }
  return true;
}

function check(keyword, s, schema, v) {
  switch (keyword) {
    case 'type': return [s].flat().some((t) => TYPES[t](v));
    case 'enum': return s.some((e) => isDeepStrictEqual(e, v));
    case 'const': return isDeepStrictEqual(s, v);
    case 'oneOf': return s.filter((sub) => schemaAccepts(sub, v)).length === 1;
    case 'anyOf': return s.some((sub) => schemaAccepts(sub, v));
    case 'allOf': return s.every((sub) => schemaAccepts(sub, v));
    case 'not': return !schemaAccepts(s, v);
    // The rest apply to one type of value and pass any other.
    case 'minimum': return typeof v !== 'number' || v >= s;
    case 'maximum': return typeof v !== 'number' || v <= s;
    case 'exclusiveMinimum': return typeof v !== 'number' || v > s;
    case 'exclusiveMaximum': return typeof v !== 'number' || v < s;
    case 'minLength': return typeof v !== 'string' || [...v].length >= s;
    case 'maxLength': return typeof v !== 'string' || [...v].length <= s;
    case 'pattern': return typeof v !== 'string' || new RegExp(s, 'u').test(v);
    case 'items': return !Array.isArray(v) || v.every((x) => schemaAccepts(s, x));
    case 'minItems': return !Array.isArray(v) || v.length >= s;
    case 'required': return !isObject(v) || s.every((k) => Object.hasOwn(v, k));
    case 'properties': return !isObject(v) || Object.entries(s).every(([k, sub]) => !Object.hasOwn(v, k) || schemaAccepts(sub, v[k]));
    case 'additionalProperties':
      return !isObject(v) || Object.keys(v).every((k) => Object.hasOwn(schema.properties ?? {}, k) || schemaAccepts(s, v[k]));
    default: throw new Error(`json-schema.js does not know the keyword "${keyword}"`);
  }
}
