export {
  type CidrResult,
  cidrContains,
  formatIp,
  type IpFamily,
  type ParsedCidr,
  type ParsedIp,
  parseCidr,
  parseIp,
} from './cidr';
export { CILIUM_PROTOCOLS, MAX_PORTS_PER_RULE } from './ciliumPorts';
export { ciliumClusterwideNetworkPolicySchema, ciliumNetworkPolicySchema, ENTITIES } from './ciliumRule';
export { namespaceSchema, podSchema, serviceSchema } from './core';
export type {
  Container,
  ContainerPort,
  EnvVar,
  Namespace,
  Pod,
  PodSpec,
  Service,
  ServicePort,
  ServiceSpec,
  ServiceType,
} from './coreTypes';
export { anyKindJsonSchema, type JsonSchema, jsonSchemas, policyJsonSchema } from './jsonSchema';
export {
  isSupportedKind,
  KIND_INFO,
  type KindMap,
  type KubeObject,
  SUPPORTED_KINDS,
  type SupportedKind,
} from './kinds';
export { labelKeyProblems, SELECTOR_OPERATORS } from './labels';
export {
  dns1035LabelProblems,
  dns1123LabelProblems,
  dns1123SubdomainProblems,
  isValidPortName,
  labelValueProblems,
  portNameProblems,
  qualifiedNameProblems,
} from './names';
export { networkPolicySchema } from './networkPolicy';
export { L4_PROTOCOLS } from './ports';
export { compileAnchored, regexProblems } from './regex';
