import { expect } from 'vitest';
import { compile } from '../src/compile/compiler';
import { type EvaluationInput, evaluate } from '../src/evaluate/evaluate';
import type { Decision } from '../src/model/decision';
import type { Endpoint, Flow, HttpRequest } from '../src/model/endpoint';
import { referenceLookup } from '../src/reference/referenceLookup';
import type { L4Protocol } from '../src/types';

/**
 * Decides a flow through evaluate AND through referenceLookup(compile(...)), asserts both agree
 * on verdict, L7 verdict and deciding rules, and returns evaluate's decision.
 */
export function decide(input: EvaluationInput, flow: Flow): Decision {
  const a = evaluate(input, flow);
  const b = referenceLookup(compile(input.policies, input.endpoints, input.options), flow);
  expect({ verdict: b.verdict, l7: b.l7Verdict, by: b.decidedBy }).toEqual({
    verdict: a.verdict,
    l7: a.l7Verdict,
    by: a.decidedBy,
  });
  return a;
}

export function flow(
  source: Endpoint | string,
  destination: Endpoint | string,
  port = 80,
  protocol: L4Protocol = 'TCP',
  http?: HttpRequest,
): Flow {
  return http ? { source, destination, port, protocol, http } : { source, destination, port, protocol };
}

/** verdict of a flow checked through both paths */
export function verdict(input: EvaluationInput, f: Flow): string {
  const d = decide(input, f);
  return d.l7Verdict ? `${d.verdict}/${d.l7Verdict}` : d.verdict;
}
