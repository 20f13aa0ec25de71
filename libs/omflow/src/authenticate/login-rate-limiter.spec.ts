import { describe, expect, it } from 'vitest';
import { Clock } from '#app/common';
import { loadBridgeConfig } from '#app/config';
import { LoginRateLimiter } from './login-rate-limiter.js';

describe('LoginRateLimiter', () => {
  const make = (limit: string) => {
    const clock = new Clock();
    let now = 1_000_000;
    clock.now = () => now;
    return { limiter: new LoginRateLimiter(clock, loadBridgeConfig({ AUTH_RATE_LIMIT_PER_MINUTE: limit })), advance: (ms: number) => (now += ms) };
  };

  it('lets `limit` requests per IP and minute through, then answers the seconds to wait', () => {
    const { limiter, advance } = make('3');
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('b')).toBe(0);
    advance(15_000);
    expect(limiter.take('a')).toBe(45);
    advance(45_000);
    expect(limiter.take('a')).toBe(0);
  });

  it('does nothing when the limit is 0', () => {
    const { limiter } = make('0');
    for (let i = 0; i < 1000; i++) expect(limiter.take('a')).toBe(0);
  });
});
