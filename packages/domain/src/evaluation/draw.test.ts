import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { calendarOf, EMPTY_CALENDAR, instantOf } from '../calendar/calendar';
import { isAppError } from '../errors';
import { creditCodeCheckCharacter } from '../organisation/credit-code';
import vector from './testdata/draw-vector.json';
import { assertCommittee, checkCommittee } from './committee';
import { canonicalDrawInputs, type DrawInputs, type PoolExpert } from './draw-inputs';
import { checkDrawTiming, earliestProcurementDrawDate } from './draw-timing';
import { drawCommitment, drawExperts, DrawStream, drawSeed, generateDrawSecret, uniformBelow, verifyDrawReveal } from './draw';
import { describeDrawMismatch, verifyDrawRecord } from './draw-record';

const cc = (n: number) => {
  const first = `91330100${String(n).padStart(9, '0')}`;
  return first + creditCodeCheckCharacter(first);
};
const SECRET = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
/** A fixed list of public values: every statistical test is deterministic. */
const publicValue = (i: number) => createHash('sha256').update(`public value ${i}`).digest('hex');
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** 30 experts in one specialty; e01 and e02 work for bidders. */
function poolOf30(): PoolExpert[] {
  return Array.from({ length: 30 }, (_, i) => ({
    id: `e${String(i + 1).padStart(2, '0')}`,
    specialties: ['A0101'],
    region: '330100',
    employer: i === 0 ? { creditCode: cc(1) } : i === 1 ? { organisationId: 'org-bidder-2' } : { creditCode: cc(100 + i) },
    available: true,
    conflicts: [],
  }));
}
const request30 = (pool = poolOf30()): DrawInputs => ({
  sectionId: 'sec-30',
  round: 0,
  needs: [{ specialty: 'A01', count: 5 }],
  crossRegion: false,
  regions: ['330100'],
  pool,
  bidders: [{ creditCode: cc(1) }, { creditCode: cc(2), organisationId: 'org-bidder-2' }, { creditCode: cc(3) }],
  tenderer: [{ creditCode: cc(9) }],
});

/**
 * An independent implementation, written from docs/expert-draw.md with Node's crypto only: if the
 * spec leaves something out, this and the domain code disagree.
 */
function referenceDraw(raw: DrawInputs, secretHex: string, publicHex: string) {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const s = (v: string) => Buffer.concat([u32(Buffer.byteLength(v)), Buffer.from(v, 'utf8')]);
  const list = <T>(xs: T[], f: (x: T) => Buffer) => Buffer.concat([u32(xs.length), ...xs.map(f)]);
  const sortU = (xs: string[]) => [...new Set(xs)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  type Ref = { creditCode?: string; organisationId?: string } | null;
  const refs = (xs: Ref[]) => {
    const pairs = xs.map((r) => [r?.creditCode ?? '', r?.organisationId ?? ''] as const);
    const keyed = new Map(pairs.map((p) => [JSON.stringify(p), p]));
    return [...keyed.values()].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])) || Buffer.compare(Buffer.from(a[1]), Buffer.from(b[1])));
  };
  const ref = (p: readonly [string, string]) => Buffer.concat([s(p[0]), s(p[1])]);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest();
  const pool = [...raw.pool].sort((a, b) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id)));
  const poolBytes = Buffer.concat([
    s('ggzy-expert-draw/v1:pool'),
    list(pool, (e) => Buffer.concat([s(e.id), list(sortU(e.specialties), s), s(e.region), ref(refs([e.employer])[0]!), Buffer.from([e.available ? 1 : 0]), list(refs(e.conflicts ?? []), ref)])),
  ]);
  const rules = [...(raw.rules ?? [])].sort((a, b) => Buffer.compare(Buffer.from(a.code), Buffer.from(b.code)));
  const inputsBytes = Buffer.concat([
    s('ggzy-expert-draw/v1:inputs'),
    s(raw.sectionId),
    u32(raw.round),
    list(raw.needs, (n) => Buffer.concat([s(n.specialty), u32(n.count)])),
    Buffer.from([raw.crossRegion ? 1 : 0]),
    list(sortU(raw.regions), s),
    sha(poolBytes),
    list(refs(raw.bidders), ref),
    list(refs(raw.tenderer), ref),
    list(rules, (r) => Buffer.concat([s(r.code), list(sortU(r.expertIds), s)])),
    list(sortU(raw.alreadyDrawn ?? []), s),
  ]);
  const pv = Buffer.from(publicHex, 'hex');
  const seed = createHmac('sha256', Buffer.from(secretHex, 'hex'))
    .update(Buffer.concat([s('ggzy-expert-draw/v1:seed'), u32(pv.length), pv, s(raw.sectionId), u32(raw.round), sha(inputsBytes)]))
    .digest();
  let counter = 0n;
  let block = Buffer.alloc(0);
  const word = () => {
    if (block.length === 0) {
      const c = Buffer.alloc(8);
      c.writeBigUInt64BE(counter++);
      block = createHmac('sha256', seed).update(c).digest();
    }
    const w = block.readUInt32BE(0);
    block = block.subarray(4);
    return w;
  };
  const below = (k: number) => {
    const limit = 2 ** 32 - (2 ** 32 % k);
    for (;;) {
      const x = word();
      if (x < limit) return x % k;
    }
  };
  const same = (a: Ref, b: Ref) => Boolean((a?.creditCode && a.creditCode === b?.creditCode) || (a?.organisationId && a.organisationId === b?.organisationId));
  const parties = [...raw.bidders, ...raw.tenderer];
  const ruled = new Set((raw.rules ?? []).flatMap((r) => r.expertIds));
  const eligible = pool.filter(
    (e) =>
      e.available &&
      !(raw.alreadyDrawn ?? []).includes(e.id) &&
      !parties.some((p) => same(p, e.employer)) &&
      !(e.conflicts ?? []).some((c) => parties.some((p) => same(p, c))) &&
      !ruled.has(e.id) &&
      (raw.crossRegion || raw.regions.includes(e.region)),
  );
  const taken = new Set<string>();
  return raw.needs.map((n) => {
    const cands = eligible.filter((e) => !taken.has(e.id) && e.specialties.some((x) => x.startsWith(n.specialty))).map((e) => e.id);
    for (let i = 0; i < n.count; i++) {
      const j = i + below(cands.length - i);
      [cands[i], cands[j]] = [cands[j]!, cands[i]!];
    }
    cands.slice(0, n.count).forEach((id) => taken.add(id));
    return cands.slice(0, n.count);
  });
}

describe('the worked test vector of docs/expert-draw.md', () => {
  it('verifies, round by round, to the committee printed in the document', () => {
    const result = verifyDrawRecord(vector);
    expect(result.mismatches).toEqual([]);
    expect(result.matches).toBe(true);
    expect(result.rounds.map((r) => r && { seed: r.seed, pool: r.poolDigest, inputs: r.inputsDigest, drawn: r.expertIds, words: r.wordsRead })).toEqual([
      {
        seed: 'e947b575e71bfa4647654799beefe6da42943cea6e3f7b4fe27fb8fea3c8eca8',
        pool: '93c180a011d431dde21b33fc59d46d053cb3d6c2c719ae27e3c918f678b4e6e8',
        inputs: '5421d93545dcd1173e808efd0f2cae8ee9548fcbc2d658fe737c6051c30622c9',
        drawn: ['e15', 'e11', 'e07', 'e12', 'e08'],
        words: 5,
      },
      {
        seed: 'd834965fba865dc2fa991751b0012f723c895120ad0ec8e2e8596ed4c9ee54db',
        pool: '93c180a011d431dde21b33fc59d46d053cb3d6c2c719ae27e3c918f678b4e6e8',
        inputs: '36c5b3b2b0d51d708d9fa4e599dd3799711e32b596afe2bb54890e917ff93b08',
        drawn: ['e14'],
        words: 1,
      },
    ]);
    // e11 declined in round 0 and round 1 filled the gap.
    expect(result.committee).toEqual([
      { specialty: 'A01', expertIds: ['e15', 'e07', 'e14'] },
      { specialty: 'B02', expertIds: ['e12', 'e08'] },
    ]);
    expect(vector.commitment).toBe(drawCommitment(vector.secret));
  });

  it('lists why each expert of the vector was not eligible', () => {
    const { eligibility } = drawExperts({ inputs: vector.rounds[0]!.inputs, secret: vector.secret, publicValue: vector.rounds[0]!.publicValue });
    expect(eligibility.eligible).toEqual(['e01', 'e02', 'e07', 'e08', 'e09', 'e11', 'e12', 'e14', 'e15']);
    expect(Object.fromEntries(eligibility.ineligible.map((e) => [e.expertId, e.reasons.map((r) => r.code)]))).toEqual({
      e03: ['employed-by-bidder'],
      e04: ['declared-conflict'],
      e05: ['unavailable'],
      e06: ['employed-by-tenderer'],
      e10: ['region'],
      e13: ['deployment-rule'],
    });
  });

  it('agrees with an independent implementation written from the document, over many inputs', () => {
    for (const round of vector.rounds) {
      expect(referenceDraw(round.inputs as DrawInputs, vector.secret, round.publicValue)).toEqual(round.committee.map((g) => g.expertIds));
    }
    for (let i = 0; i < 200; i++) {
      const inputs = clone(request30());
      inputs.needs = [
        { specialty: 'A01', count: 1 + (i % 5) },
        { specialty: 'B', count: 1 + (i % 3) },
      ];
      inputs.pool.forEach((e, k) => {
        if ((k + i) % 4 === 0) e.specialties = ['B0' + (k % 3), 'A0102'];
        if ((k * 7 + i) % 11 === 0) e.available = false;
        if ((k + i) % 13 === 0) e.conflicts = [{ creditCode: cc(3) }];
      });
      inputs.rules = [{ code: 'same-tenderer-6-months', expertIds: [`e1${i % 10}`] }];
      inputs.alreadyDrawn = i % 2 ? ['e20', 'e21'] : [];
      const result = drawExperts({ inputs, secret: SECRET, publicValue: publicValue(i) });
      expect(result.groups.map((g) => g.expertIds)).toEqual(referenceDraw(inputs, SECRET, publicValue(i)));
    }
  });
});

describe('the same inputs give the same committee; a changed seed or pool gives another', () => {
  it('ignores the order of the pool and of every set', () => {
    const inputs = request30();
    const reordered = clone(inputs);
    reordered.pool.reverse();
    reordered.bidders.reverse();
    reordered.pool[3]!.specialties = ['A0101', 'A0101'];
    const a = drawExperts({ inputs, secret: SECRET, publicValue: publicValue(1) });
    const b = drawExperts({ inputs: reordered, secret: SECRET, publicValue: publicValue(1) });
    expect(b.expertIds).toEqual(a.expertIds);
    expect(b.inputsDigest).toBe(a.inputsDigest);
    expect(drawExperts({ inputs, secret: SECRET, publicValue: publicValue(1) })).toEqual(a);
  });

  it('a changed public value, secret or pool gives a different committee, and the record no longer verifies', () => {
    const base = drawExperts({ inputs: request30(), secret: SECRET, publicValue: publicValue(1) });
    expect(drawExperts({ inputs: request30(), secret: SECRET, publicValue: publicValue(2) }).expertIds).not.toEqual(base.expertIds);
    expect(drawExperts({ inputs: request30(), secret: generateDrawSecret(), publicValue: publicValue(1) }).seed).not.toBe(base.seed);
    const smaller = request30(poolOf30().slice(0, 29));
    expect(drawExperts({ inputs: smaller, secret: SECRET, publicValue: publicValue(1) }).expertIds).not.toEqual(base.expertIds);

    // The vector with a different public value: the committee recorded is not the one recomputed.
    const seedChanged = clone(vector);
    seedChanged.rounds[0]!.publicValue = 'a1' + seedChanged.rounds[0]!.publicValue.slice(2);
    const v1 = verifyDrawRecord(seedChanged);
    expect(v1.matches).toBe(false);
    expect(v1.mismatches.map((m) => m.kind)).toContain('committee');
    // The vector with one expert's availability changed: digests and committee differ.
    const poolChanged = clone(vector);
    (poolChanged.rounds[0]!.inputs.pool[8] as { available: boolean }).available = false;
    const v2 = verifyDrawRecord(poolChanged);
    expect(v2.mismatches.map((m) => m.kind)).toEqual(expect.arrayContaining(['pool-digest', 'inputs-digest', 'committee']));
    const committee = v2.mismatches.find((m) => m.kind === 'committee')!;
    expect(describeDrawMismatch(committee).zh).toMatch(/^第 0 轮专业 A01：记录的专家为 e15、e11、e07，重算得到 /);
  });

  it('a revealed secret that is not the committed one fails verification', () => {
    const tampered = clone(vector);
    tampered.secret = tampered.secret.slice(0, 63) + 'e';
    const result = verifyDrawRecord(tampered);
    expect(result.mismatches[0]).toEqual({ kind: 'commitment' });
    expect(describeDrawMismatch({ kind: 'commitment' })).toEqual({ zh: '揭示的抽取密钥与事先承诺的不符', en: 'the revealed secret does not match the commitment' });
  });
});

describe('recusal (招标投标法 art. 37; 实施条例 art. 46)', () => {
  it('never draws the two of 30 who work for bidders, over 1,000 seeds, and draws everyone else', () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 1000; i++) {
      const result = drawExperts({ inputs: request30(), secret: SECRET, publicValue: publicValue(i) });
      expect(result.expertIds).toHaveLength(5);
      expect(new Set(result.expertIds).size).toBe(5);
      for (const id of result.expertIds) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    expect(seen.has('e01')).toBe(false);
    expect(seen.has('e02')).toBe(false);
    expect(seen.size).toBe(28);
  });

  it('names every reason an expert is not eligible, and matches an organisation by either key', () => {
    const inputs = request30();
    inputs.pool[2] = { ...inputs.pool[2]!, available: false, employer: { organisationId: 'org-t' }, conflicts: [{ creditCode: cc(3) }, { organisationId: 'org-bidder-2' }], region: '110000' };
    inputs.tenderer = [{ creditCode: cc(9), organisationId: 'org-t' }];
    inputs.rules = [{ code: 'same-tenderer-6-months', expertIds: ['e03'] }, { code: 'annual-limit', expertIds: ['e03'] }];
    const { eligibility } = drawExperts({ inputs, secret: SECRET, publicValue: publicValue(0) });
    const e03 = eligibility.ineligible.find((e) => e.expertId === 'e03')!;
    expect(e03.reasons.map((r) => ('rule' in r ? `${r.code}:${r.rule}` : r.code))).toEqual([
      'unavailable',
      'employed-by-tenderer',
      'declared-conflict',
      'declared-conflict',
      'deployment-rule:annual-limit',
      'deployment-rule:same-tenderer-6-months',
      'region',
    ]);
    expect(eligibility.ineligible.find((e) => e.expertId === 'e02')!.reasons).toEqual([
      { code: 'employed-by-bidder', organisation: { creditCode: cc(2), organisationId: 'org-bidder-2' } },
    ]);
  });

  it('refuses, with counts, when too few experts are eligible, drawing nobody', () => {
    const inputs = request30(poolOf30().slice(0, 6));
    let error: unknown;
    try {
      drawExperts({ inputs, secret: SECRET, publicValue: publicValue(0) });
    } catch (e) {
      error = e;
    }
    expect(isAppError(error) && error).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'not-enough-experts', specialty: 'A01', needed: 5, available: 4 } });
    expect((error as Error).message).toMatch(/^专业 A01 需抽取 5 名专家，但符合条件（回避后）的只有 4 名/);
  });

  it('refuses malformed inputs with the field named', () => {
    const bad = (change: (i: DrawInputs) => void) => {
      const inputs = clone(request30());
      change(inputs);
      return () => drawExperts({ inputs, secret: SECRET, publicValue: publicValue(0) });
    };
    expect(bad((i) => (i.pool[1]!.id = 'e01'))).toThrow(/专家库中有重复的专家标识/);
    expect(bad((i) => (i.bidders[0] = { creditCode: '91330100000000001A' }))).toThrow(/bidders\.0\.creditCode.*校验位/);
    expect(bad((i) => (i.crossRegion = true))).toThrow(/跨区域抽取不再限定地区/);
    expect(bad((i) => (i.needs = [{ specialty: 'A01', count: 2 }, { specialty: 'A01', count: 1 }]))).toThrow(/同一专业只能列一次/);
    expect(bad((i) => (i.pool[0]!.id = '专家一'))).toThrow(/pool\.0\.id/);
    expect(() => drawExperts({ inputs: request30(), secret: 'AB'.repeat(32), publicValue: publicValue(0) })).toThrow(/抽取密钥应为 64 位小写十六进制/);
  });

  it('draws across regions when asked, and only from the listed regions otherwise', () => {
    const pool = poolOf30().map((e, i) => ({ ...e, region: i < 20 ? '330100' : '110000' }));
    const home = new Set(pool.filter((e) => e.region === '330100').map((e) => e.id));
    let away = 0;
    for (let i = 0; i < 100; i++) {
      expect(drawExperts({ inputs: request30(pool), secret: SECRET, publicValue: publicValue(i) }).expertIds.every((id) => home.has(id))).toBe(true);
      const cross = drawExperts({ inputs: { ...request30(pool), crossRegion: true, regions: [] }, secret: SECRET, publicValue: publicValue(i) });
      away += cross.expertIds.filter((id) => !home.has(id)).length;
    }
    expect(away).toBeGreaterThan(0);
  });
});

describe('unbiased: rejection sampling and Fisher–Yates', () => {
  it('rejects exactly the words at or above the largest multiple of k (k not a power of two)', () => {
    const words = (xs: number[]) => () => xs.shift()!;
    // k = 6: 2^32 mod 6 = 4, so the limit is 2^32 − 4; 0xfffffffb is the last word accepted.
    expect(uniformBelow(6, words([0xfffffffb]))).toBe(0xfffffffb % 6);
    const script = [0xfffffffc, 0xffffffff, 0xfffffffd, 7];
    expect(uniformBelow(6, words(script))).toBe(1);
    expect(script).toEqual([]);
    // k = 3: only 0xffffffff is rejected.
    expect(uniformBelow(3, words([0xffffffff, 0xfffffffe]))).toBe(0xfffffffe % 3);
    // A power of two never rejects; k = 1 reads one word too.
    expect(uniformBelow(1024, words([0xffffffff]))).toBe(1023);
    const one = [5, 6];
    expect(uniformBelow(1, words(one))).toBe(0);
    expect(one).toEqual([6]);
    expect(() => uniformBelow(0, words([1]))).toThrow(RangeError);
    expect(() => uniformBelow(2 ** 32, words([1]))).toThrow(RangeError);
  });

  it('reads the stream HMAC-SHA-256(seed, u64be(counter)) as big-endian words, skipping rejected ones', () => {
    const seed = drawSeed({ secret: SECRET, publicValue: publicValue(0), sectionId: 's', round: 0, inputsDigest: '00'.repeat(32) });
    const raw = Buffer.concat([0n, 1n].map((c) => createHmac('sha256', seed).update(Buffer.from(c.toString(16).padStart(16, '0'), 'hex')).digest()));
    const expected = Array.from({ length: 16 }, (_, i) => raw.readUInt32BE(4 * i));
    const stream = new DrawStream(seed);
    expect(Array.from({ length: 16 }, () => stream.nextWord())).toEqual(expected);
    // k = 2^31 + 1 rejects about half the words: the answers are the accepted words mod k, in order.
    const k = 2 ** 31 + 1;
    const limit = 2 ** 32 - (2 ** 32 % k);
    const accepted = expected.filter((w) => w < limit).map((w) => w % k);
    expect(accepted.length).toBeLessThan(16);
    const again = new DrawStream(seed);
    const answers = accepted.map(() => uniformBelow(k, () => again.nextWord()));
    expect(answers).toEqual(accepted);
  });

  it('gives every ordered draw of 3 from 4 the same chance (chi-square, 24 cells, 6,000 fixed seeds)', () => {
    const pool = poolOf30().slice(2, 6); // e03–e06, none recused
    const counts = new Map<string, number>();
    const n = 6000;
    for (let i = 0; i < n; i++) {
      const inputs = { ...request30(pool), needs: [{ specialty: 'A01', count: 3 }] };
      const key = drawExperts({ inputs, secret: SECRET, publicValue: publicValue(i) }).expertIds.join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    const expected = n / 24;
    const chi2 = [...counts.values()].reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 23 degrees of freedom: P(χ² > 49.73) = 0.001. The seeds are fixed, so this never flakes.
    expect(chi2).toBeLessThan(49.73);
  });

  it('a modulo without rejection would be detectably biased where the test above is not (the test can fail)', () => {
    // k = 3·2^30: plain x mod k makes the lowest 2^30 values twice as likely.
    const k = 3 * 2 ** 30;
    let low = 0;
    let lowBiased = 0;
    for (let i = 0; i < 3000; i++) {
      const stream = new DrawStream(drawSeed({ secret: SECRET, publicValue: publicValue(i), sectionId: 's', round: 0, inputsDigest: '00'.repeat(32) }));
      const word = stream.nextWord();
      if (word % k < 2 ** 30) lowBiased++;
      const again = new DrawStream(drawSeed({ secret: SECRET, publicValue: publicValue(i), sectionId: 's', round: 0, inputsDigest: '00'.repeat(32) }));
      if (uniformBelow(k, () => again.nextWord()) < 2 ** 30) low++;
    }
    // Unbiased: 1/3 of 3000 = 1000; biased: 1/2 = 1500.
    expect(Math.abs(low - 1000)).toBeLessThan(100);
    expect(Math.abs(lowBiased - 1500)).toBeLessThan(100);
  });
});

describe('refill after a decline: a new round that excludes everyone drawn before', () => {
  it('never draws a declined or confirmed expert again, over 300 seeds', () => {
    for (let i = 0; i < 300; i++) {
      const first = drawExperts({ inputs: request30(), secret: SECRET, publicValue: publicValue(i) });
      const refill = drawExperts({
        inputs: { ...request30(), round: 1, needs: [{ specialty: 'A01', count: 1 }], alreadyDrawn: first.expertIds },
        secret: SECRET,
        publicValue: publicValue(10_000 + i),
      });
      expect(refill.expertIds).toHaveLength(1);
      expect(first.expertIds).not.toContain(refill.expertIds[0]);
      expect(['e01', 'e02']).not.toContain(refill.expertIds[0]);
      expect(refill.eligibility.ineligible.filter((e) => e.reasons[0]!.code === 'already-drawn').map((e) => e.expertId)).toEqual([...first.expertIds].sort());
    }
  });

  it('has its own seed: the same public value in round 1 gives another stream', () => {
    const a = drawSeed({ secret: SECRET, publicValue: publicValue(0), sectionId: 's', round: 0, inputsDigest: '00'.repeat(32) });
    const b = drawSeed({ secret: SECRET, publicValue: publicValue(0), sectionId: 's', round: 1, inputsDigest: '00'.repeat(32) });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it('a record whose refill does not exclude an earlier expert fails verification', () => {
    const record = clone(vector);
    const inputs = record.rounds[1]!.inputs as { alreadyDrawn: string[] };
    inputs.alreadyDrawn = inputs.alreadyDrawn.filter((id) => id !== 'e11');
    const result = verifyDrawRecord(record);
    expect(result.mismatches).toContainEqual({ kind: 'refill-exclusion', round: 1, missing: ['e11'] });
    const wrongDecline = clone(vector);
    wrongDecline.rounds[0]!.declined = ['e09'];
    expect(verifyDrawRecord(wrongDecline).mismatches).toContainEqual({ kind: 'declined-not-drawn', round: 0, expertIds: ['e09'] });
  });
});

describe('commitment', () => {
  it('verifies the secret it was made from, and nothing else', () => {
    const secret = generateDrawSecret();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const commitment = drawCommitment(secret);
    // SHA-256(u32(len) ‖ "ggzy-expert-draw/v1:commitment" ‖ secret), independently.
    const tag = Buffer.from('ggzy-expert-draw/v1:commitment');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(tag.length);
    expect(commitment).toBe(createHash('sha256').update(Buffer.concat([len, tag, Buffer.from(secret, 'hex')])).digest('hex'));
    expect(verifyDrawReveal(secret, commitment)).toBe(true);
    const flipped = (secret[0] === '0' ? '1' : '0') + secret.slice(1);
    expect(verifyDrawReveal(flipped, commitment)).toBe(false);
    expect(verifyDrawReveal(secret, (commitment[0] === '0' ? '1' : '0') + commitment.slice(1))).toBe(false);
    expect(verifyDrawReveal(secret.toUpperCase(), commitment)).toBe(false);
    expect(verifyDrawReveal('', commitment)).toBe(false);
  });
});

describe('committee composition (招标投标法 art. 37; 87号令 art. 47)', () => {
  const rules = (type: 'construction' | 'procurement', experts: number, reps: number, budgetFen = 100_000_000) =>
    checkCommittee({ type, budgetFen, experts, tendererRepresentatives: reps }).map((p) => p.rule);

  it.each([
    [4, 0, ['committee-size']],
    [5, 0, []],
    [6, 0, ['committee-odd']],
    [7, 0, []],
    [4, 1, []], // 4 of 5 ≥ 2/3
    [3, 2, ['committee-experts']], // 3 of 5 < 2/3
    [5, 2, []], // 5 of 7 ≥ 2/3 (15 ≥ 14)
    [4, 3, ['committee-experts']],
    [3, 0, ['committee-size']],
  ] as const)('%i experts + %i representatives → %j', (experts, reps, expected) => {
    expect(rules('construction', experts, reps)).toEqual(expected);
  });

  it('needs at least 7 for a procurement budget of ¥10 million or more', () => {
    expect(rules('procurement', 5, 0, 999_999_999)).toEqual([]);
    expect(rules('procurement', 5, 0, 1_000_000_000)).toEqual(['committee-large-budget']);
    expect(rules('procurement', 7, 0, 1_000_000_000)).toEqual([]);
    expect(rules('procurement', 5, 0, 1_200_000_000)).toEqual(['committee-large-budget']);
    expect(rules('construction', 5, 0, 1_200_000_000)).toEqual([]);
    expect(rules('procurement', 6, 0, 1_200_000_000)).toEqual(['committee-odd', 'committee-large-budget']);
  });

  it('refuses as a RULE_VIOLATION, Chinese first, naming the article and the least allowed', () => {
    let error: unknown;
    try {
      assertCommittee({ type: 'procurement', budgetFen: 1_200_000_000, experts: 3, tendererRepresentatives: 2 });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'RULE_VIOLATION', details: { reason: 'committee-experts', rules: 'committee-experts,committee-large-budget', members: 5 } });
    expect((error as Error).message).toMatch(/^技术、经济等方面的专家不得少于成员总数的三分之二（87号令第四十七条）：5 人的委员会至少需 4 名专家，现为 3 名；采购预算金额在1000万元以上/);
    expect((error as Error).message).toContain(' / Technical and economic experts make up at least two thirds');
    expect(() => assertCommittee({ type: 'construction', budgetFen: 0, experts: 6, tendererRepresentatives: 0 })).toThrow(/评标委员会成员应为单数（招标投标法第三十七条），现为 6 人；可改为 5 或 7 人/);
    expect(() => assertCommittee({ type: 'construction', budgetFen: 0, experts: 5, tendererRepresentatives: 0 })).not.toThrow();
  });
});

describe('canonical inputs', () => {
  it('sorts the pool by id bytes and drops duplicate set members', () => {
    const inputs = canonicalDrawInputs({ ...request30(), alreadyDrawn: ['e9', 'e10', 'e9'] });
    expect(inputs.pool.slice(0, 3).map((e) => e.id)).toEqual(['e01', 'e02', 'e03']);
    expect(inputs.alreadyDrawn).toEqual(['e10', 'e9']);
    expect(inputs.bidders[0]).toEqual({ creditCode: cc(1), organisationId: '' });
  });
});

describe('when a procurement draw may be taken (财库〔2016〕198号 art. 13)', () => {
  const at = (date: string, time = '09:00') => instantOf(date, time);
  // Evaluation on Monday 2026-12-14: the two working days before it are Thu 12-10 and Fri 12-11.
  it.each([
    ['2026-12-09', ['draw-too-early']],
    ['2026-12-10', []],
    ['2026-12-12', []],
    ['2026-12-14', []],
  ] as const)('draw on %s for a Monday evaluation → %j', (date, expected) => {
    const time = date === '2026-12-14' ? '08:00' : '09:00';
    expect(checkDrawTiming({ type: 'procurement', drawAt: at(date, time), evaluationStartsAt: at('2026-12-14', '09:30') }, EMPTY_CALENDAR).map((p) => p.rule)).toEqual(expected);
  });

  it('names the earliest date, skips holidays, and exempts off-site evaluation and construction', () => {
    const [problem] = checkDrawTiming({ type: 'procurement', drawAt: at('2026-12-09'), evaluationStartsAt: at('2026-12-14') }, EMPTY_CALENDAR);
    expect(problem).toMatchObject({ limit: '2026-12-10' });
    expect(problem!.zh).toContain('本项目最早于 2026-12-10 抽取');
    // Fri 12-11 a holiday: the two working days before Monday are Wed 12-09 and Thu 12-10.
    const holiday = calendarOf([{ date: '2026-12-11', kind: 'holiday' }]);
    expect(earliestProcurementDrawDate('2026-12-14', holiday)).toBe('2026-12-09');
    expect(checkDrawTiming({ type: 'procurement', drawAt: at('2026-12-01'), evaluationStartsAt: at('2026-12-14'), offSite: true }, EMPTY_CALENDAR)).toEqual([]);
    expect(checkDrawTiming({ type: 'construction', drawAt: at('2026-12-01'), evaluationStartsAt: at('2026-12-14') }, EMPTY_CALENDAR)).toEqual([]);
    expect(checkDrawTiming({ type: 'construction', drawAt: at('2026-12-14', '10:00'), evaluationStartsAt: at('2026-12-14') }, EMPTY_CALENDAR).map((p) => p.rule)).toEqual(['draw-after-start']);
    const withYears = { ...EMPTY_CALENDAR, years: new Set([2025]) };
    expect(checkDrawTiming({ type: 'procurement', drawAt: at('2026-12-10'), evaluationStartsAt: at('2026-12-14') }, withYears).map((p) => p.rule)).toEqual(['calendar-missing']);
  });
});
