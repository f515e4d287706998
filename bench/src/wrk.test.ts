import { describe, expect, it } from 'vitest';
import { parseWrk } from './wrk';

const SAMPLE = `Running 5s test @ http://10.200.0.3/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     3.21ms    1.10ms  40.12ms   90.00%
    Req/Sec    10.01k     1.20k   12.00k    70.00%
  Latency Distribution
     50%  812.00us
     75%    3.50ms
     90%    4.10ms
     99%    1.20s
  99650 requests in 5.00s, 11.50MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 4
Requests/sec:  19925.31
Transfer/sec:      2.30MB
`;

describe('parseWrk', () => {
  it('reads rate, percentiles in any unit and errors', () => {
    expect(parseWrk(SAMPLE)).toEqual({
      rps: 19925.31,
      p50Ms: 0.812,
      p99Ms: 1200,
      requests: 99650,
      errors: 7,
    });
  });
  it('refuses output it does not understand', () => {
    expect(() => parseWrk('unable to connect to 10.0.0.1:80 Connection refused')).toThrow();
  });
});
