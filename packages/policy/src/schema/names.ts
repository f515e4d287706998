// Kubernetes name and label syntax, mirroring k8s.io/apimachinery/pkg/util/validation. Each
// validator returns plain-English problems (empty list = valid) so one value can report several.

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const DNS1123_LABEL_MAX = 63;
export const DNS1123_SUBDOMAIN_MAX = 253;
export const LABEL_VALUE_MAX = 63;
export const PORT_NAME_MAX = 15;

/** A DNS-1123 label: namespace names, container names, label-key name parts' stricter cousin. */
export function dns1123LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) problems.push(`must be at most ${DNS1123_LABEL_MAX} characters`);
  if (!DNS1123_LABEL.test(value)) {
    problems.push(
      "must be a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit",
    );
  }
  return problems;
}

/** A DNS-1123 subdomain: most object names (NetworkPolicy, Pod, Cilium policies). */
export function dns1123SubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX) {
    problems.push(`must be at most ${DNS1123_SUBDOMAIN_MAX} characters`);
  }
  if (!DNS1123_SUBDOMAIN.test(value)) {
    problems.push(
      "must be a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit",
    );
  }
  return problems;
}

/** A DNS-1035 label: Service names (they become DNS names that must not start with a digit). */
export function dns1035LabelProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > DNS1123_LABEL_MAX) problems.push(`must be at most ${DNS1123_LABEL_MAX} characters`);
  if (!DNS1035_LABEL.test(value)) {
    problems.push(
      "must be a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit",
    );
  }
  return problems;
}

/** A qualified name (label and annotation keys): optional `prefix/` (DNS-1123 subdomain) + name. */
export function qualifiedNameProblems(value: string): string[] {
  const slash = value.indexOf('/');
  const hasPrefix = slash !== -1;
  const prefix = hasPrefix ? value.slice(0, slash) : '';
  const name = hasPrefix ? value.slice(slash + 1) : value;
  const problems: string[] = [];
  if (hasPrefix) {
    if (prefix.length === 0) problems.push('has an empty prefix before "/"');
    else if (dns1123SubdomainProblems(prefix).length > 0) {
      problems.push(
        `has prefix "${prefix}", which must be a DNS-1123 subdomain (lowercase, e.g. example.com)`,
      );
    }
    if (name.includes('/')) problems.push('may contain at most one "/"');
  }
  if (name.length === 0) {
    problems.push('must have a non-empty name part');
  } else {
    if (name.length > DNS1123_LABEL_MAX) {
      problems.push(`has a name part longer than ${DNS1123_LABEL_MAX} characters`);
    }
    if (!name.includes('/') && !QUALIFIED_NAME_PART.test(name)) {
      problems.push(
        "has a name part that must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
      );
    }
  }
  return problems;
}

/** A label value: empty, or ≤63 characters of letters, digits, '-', '_', '.', alnum at both ends. */
export function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > LABEL_VALUE_MAX) problems.push(`must be at most ${LABEL_VALUE_MAX} characters`);
  if (!LABEL_VALUE.test(value)) {
    problems.push(
      "must be empty or consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
    );
  }
  return problems;
}

/**
 * A port name per IANA_SVC_NAME (RFC 6335): ≤15 characters, lowercase letters, digits and '-',
 * at least one letter, no '-' at either end, no "--".
 */
export function portNameProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > PORT_NAME_MAX) problems.push(`must be at most ${PORT_NAME_MAX} characters`);
  if (!/^[-a-z0-9]+$/.test(value)) {
    problems.push("must contain only lowercase letters, digits and '-'");
  } else if (!/[a-z]/.test(value)) {
    problems.push('must contain at least one letter (a-z)');
  }
  if (value.startsWith('-') || value.endsWith('-')) problems.push("must not begin or end with '-'");
  if (value.includes('--')) problems.push("must not contain two consecutive '-'");
  return problems;
}

export function isValidPortName(value: string): boolean {
  return portNameProblems(value).length === 0;
}
