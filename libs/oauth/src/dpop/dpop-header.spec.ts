import { dpopHeader } from './dpop-header.js';

describe(dpopHeader.name, () => {
  it('answers the one DPoP header, or nothing without one', () => {
    expect(dpopHeader({ headers: { dpop: 'a.b.c' }, rawHeaders: ['DPoP', 'a.b.c'] })).toBe('a.b.c');
    expect(dpopHeader({ headers: {}, rawHeaders: ['Host', 'x'] })).toBeUndefined();
  });

  it('answers every value when the header was sent more than once, which Node would have joined', () => {
    const req = { headers: { dpop: 'a.b.c, d.e.f' }, rawHeaders: ['DPoP', 'a.b.c', 'dpop', 'd.e.f'] };
    expect(dpopHeader(req)).toEqual(['a.b.c', 'd.e.f']);
  });
});
