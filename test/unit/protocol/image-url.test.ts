import { describe, expect, it } from 'vitest';
import {
  CreateProductBody,
  CreateRoomBody,
  ImageUrl,
  imageUrlProblem,
  ipv4Range,
  ipv6Range,
  parseIPv6,
  UpdateProductBody,
} from '@hawker/protocol';

describe('ImageUrl accepts', () => {
  it.each([
    '/samples/scarf.svg',
    '/uploads/ab12/cd34.webp',
    '/uploads/a%20b.png',
    'https://img.example.com/jade.jpg',
    'https://cdn.shop.example/p/1.png?w=400#x',
    'https://img.example.com./trailing-dot.jpg',
    'https://8.8.8.8/public-v4.png',
    'https://[2606:4700::1111]/public-v6.png',
    'https://xn--bcher-kva.example/idn.png',
  ])('%s', (url) => {
    expect(imageUrlProblem(url)).toBeNull();
    expect(ImageUrl.parse(url)).toBe(url);
  });
});

describe('ImageUrl refuses, saying what is allowed and why not', () => {
  it.each([
    ['http: (only https)', 'http://img.example.com/a.jpg', /http: is not allowed/],
    ['javascript:', 'javascript:alert(1)', /javascript: is not allowed/],
    ['data:', 'data:image/svg+xml,<svg/>', /data: is not allowed/],
    ['ftp:', 'ftp://img.example.com/a.jpg', /ftp: is not allowed/],
    ['credentials', 'https://user:pw@img.example.com/a.jpg', /user name or password/],
    ['a user name alone', 'https://user@img.example.com/a.jpg', /user name or password/],
    ['loopback v4', 'https://127.0.0.1/a.png', /loopback/],
    ['loopback v4, short form', 'https://127.1/a.png', /127\.0\.0\.1 is a loopback/],
    ['loopback v4, as one number', 'https://2130706433/a.png', /127\.0\.0\.1 is a loopback/],
    ['loopback v4, in hex', 'https://0x7f.0.0.1/a.png', /127\.0\.0\.1 is a loopback/],
    ['private 10/8', 'https://10.1.2.3/a.png', /private address \(10\.0\.0\.0\/8\)/],
    ['private 172.16/12', 'https://172.31.255.1/a.png', /172\.16\.0\.0\/12/],
    ['private 192.168/16', 'https://192.168.1.1/a.png', /192\.168\.0\.0\/16/],
    ['cloud metadata', 'https://169.254.169.254/latest/meta-data/', /link-local/],
    ['CGNAT', 'https://100.64.0.1/a.png', /carrier-grade NAT/],
    ['unspecified v4', 'https://0.0.0.0/a.png', /unspecified/],
    ['multicast v4', 'https://239.1.1.1/a.png', /multicast/],
    ['broadcast', 'https://255.255.255.255/a.png', /reserved or broadcast/],
    ['loopback v6', 'https://[::1]/a.png', /::\/96/],
    ['unspecified v6', 'https://[::]/a.png', /::\/96/],
    ['unique local v6', 'https://[fd00::1]/a.png', /unique local/],
    ['link-local v6', 'https://[fe80::1]/a.png', /link-local address \(fe80/],
    ['multicast v6', 'https://[ff02::1]/a.png', /multicast address \(ff00/],
    ['IPv4-mapped loopback', 'https://[::ffff:127.0.0.1]/a.png', /IPv4-mapped address of a loopback/],
    ['IPv4-mapped metadata, hex', 'https://[::ffff:a9fe:a9fe]/a.png', /IPv4-mapped address of a link-local/],
    ['NAT64 of a private address', 'https://[64:ff9b::a00:1]/a.png', /NAT64 address of a private/],
    ['localhost', 'https://localhost/a.png', /single-label/],
    ['localhost with a dot', 'https://localhost./a.png', /single-label/],
    ['*.localhost', 'https://shop.localhost/a.png', /\*\.localhost/],
    ['*.local', 'https://printer.local/a.png', /\*\.local\)/],
    ['*.internal', 'https://metadata.google.internal/a.png', /\*\.internal/],
    ['*.home.arpa', 'https://nas.home.arpa/a.png', /\*\.home\.arpa/],
    ['single label', 'https://intranet/a.png', /single-label/],
    ['protocol-relative', '//evil.example/a.png', /outside them/],
    ['backslash path', '/\\evil.example/a.png', /backslashes/],
    ['backslash in a URL', 'https://img.example.com\\@127.0.0.1/a.png', /backslashes/],
    ['path outside the image folders', '/admin/queues/api/queues', /outside them/],
    ['API path', '/api/rooms', /outside them/],
    ['dot-dot', '/samples/../admin/queues', /'\.\.' segments/],
    ['encoded dot-dot', '/samples/%2e%2e/admin', /must not encode/],
    ['encoded slash', '/uploads/a%2fb.png', /must not encode/],
    ['double slash', '/samples//x.svg', /'\/\/'/],
    ['query on a path', '/samples/x.svg?next=/', /query or fragment/],
    ['a tab', 'https://img.exa\tmple.com/a.png', /control characters/],
    ['a newline', '/samples/a\n.svg', /control characters/],
    ['a space', 'https://img.example.com/a b.png', /spaces/],
    ['not a URL', 'scarf.svg', /this is neither/],
    ['empty', '', /this is neither/],
  ])('%s: %s', (_what, url, reason) => {
    const problem = imageUrlProblem(url);
    expect(problem).toMatch(
      /^an image URL must be https:\/\/<public host>\/\.\.\. or a path on this server under \/samples\/ or \/uploads\/; /,
    );
    expect(problem).toMatch(reason);
    const parsed = ImageUrl.safeParse(url);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toBe(problem);
  });

  it('refuses URLs longer than 2048 characters', () => {
    expect(ImageUrl.safeParse(`https://img.example.com/${'a'.repeat(2048)}`).success).toBe(false);
  });
});

describe('the address ranges', () => {
  it('parses IPv6 forms the URL parser may give, and refuses malformed ones', () => {
    expect(parseIPv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6('::')).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(parseIPv6('2001:db8::8:1')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 8, 1]);
    expect(parseIPv6('::ffff:7f00:1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6('::ffff:127.0.0.1')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const bad of ['1::2::3', '1:2:3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '::1.2.3.256'])
      expect([bad, parseIPv6(bad)]).toEqual([bad, null]);
  });

  it('range edges: the first and last address of each refused range, and the public neighbours', () => {
    const v4 = (s: string) => ipv4Range(s.split('.').map(Number));
    for (const refused of ['10.0.0.0', '10.255.255.255', '100.64.0.0', '100.127.255.255', '172.16.0.0', '172.31.255.255', '169.254.0.0'])
      expect([refused, v4(refused)]).toEqual([refused, expect.any(String)]);
    for (const open of [
      '9.255.255.255',
      '11.0.0.0',
      '100.63.255.255',
      '100.128.0.0',
      '172.15.255.255',
      '172.32.0.0',
      '169.253.255.255',
      '223.255.255.255',
    ])
      expect([open, v4(open)]).toEqual([open, null]);
    expect(ipv6Range(parseIPv6('fc00::')!)).toMatch(/unique local/);
    expect(ipv6Range(parseIPv6('fbff:ffff::')!)).toBeNull();
    expect(ipv6Range(parseIPv6('febf:ffff::')!)).toMatch(/link-local/);
    expect(ipv6Range(parseIPv6('::ffff:8.8.8.8')!)).toBeNull();
  });
});

it('product bodies take the rule for imageUrl on create and update', () => {
  const body = { title: 'Scarf', price: 100, currency: 'USD', skus: [{ id: 'std', label: 'One', stock: 1 }] };
  expect(CreateProductBody.safeParse({ ...body, imageUrl: '/samples/scarf.svg' }).success).toBe(true);
  const refused = CreateProductBody.safeParse({ ...body, imageUrl: 'http://169.254.169.254/' });
  expect(refused.error?.issues[0]).toMatchObject({ path: ['imageUrl'], message: expect.stringContaining('http: is not allowed') });
  expect(UpdateProductBody.safeParse({ imageUrl: 'https://[::1]/x.png' }).success).toBe(false);
  expect(UpdateProductBody.safeParse({ imageUrl: 'https://img.example.com/x.png' }).success).toBe(true);
});

describe('room cover images follow the same rule', () => {
  it('refuses an internal cover URL and accepts a public https one', () => {
    expect(CreateRoomBody.safeParse({ title: 'Live', coverUrl: 'http://169.254.169.254/latest/meta-data' }).success).toBe(false);
    expect(CreateRoomBody.safeParse({ title: 'Live', coverUrl: 'https://127.0.0.1/c.jpg' }).success).toBe(false);
    expect(CreateRoomBody.safeParse({ title: 'Live', coverUrl: 'https://img.example.com/c.jpg' }).success).toBe(true);
    expect(CreateRoomBody.safeParse({ title: 'Live', coverUrl: '/samples/cover.svg' }).success).toBe(true);
  });
});
