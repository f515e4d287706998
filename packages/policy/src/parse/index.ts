export {
  formatPath,
  formatPolicyError,
  type PathSegment,
  type PolicyError,
  type SourceRange,
} from './errors';
export { formatYaml } from './formatYaml';
export {
  type ObjectSource,
  type ParsedObject,
  type ParseOptions,
  type ParseResult,
  parseDocuments,
} from './parseDocuments';
export { describeField, type FieldAt, fieldAt, locatePath } from './sourceMap';
export {
  NAMESPACE_NAME_LABEL,
  type ObjectValidation,
  type ValidObject,
  validateObject,
} from './validateObject';
