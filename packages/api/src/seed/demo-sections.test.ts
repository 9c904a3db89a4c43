import { account, executeRows, holiday, organisation, section, sql, traceEntry } from '@ggzy/db';
import { addDays, checkBond, checkSchedule, cnCalendar, instantOf } from '@ggzy/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, testClient, type TestPlatform } from '../testing';
import { demoDrafts, seedDemoPlatform, seedDemoSections } from './demo-sections';

describe('demo sections', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform();
  });
  afterAll(async () => {
    await p.close();
  });

  it('publishes one section per kind through the same rules a tenderer meets', async () => {
    expect(await seedDemoSections(p.services.db, p.services.store)).toBe(3);
    const portal = await testClient(p.services).caller.portal.search({});
    expect(portal.items.map((i) => i.type).sort()).toEqual(['construction', 'landUse', 'procurement']);
    expect(portal.items.every((i) => i.state === 'announced')).toBe(true);
  });

  it('builds a schedule the rules accept on every day of 2026 to 2028, holidays and make-up days loaded', () => {
    const calendar = cnCalendar({ projected: true });
    const refused: string[] = [];
    let days = 0;
    for (let day = '2026-01-01'; day <= '2028-12-31'; day = addDays(day, 1), days++) {
      for (const time of ['00:00', '09:00', '23:59']) {
        for (const draft of demoDrafts(instantOf(day, time), calendar)) {
          const { project, section: s } = draft.input;
          const problems = [
            ...checkSchedule({ type: project.type, method: project.method, documentsFrom: s.documentsFrom, documentsUntil: s.documentsUntil, deadline: s.deadline, listingFrom: s.listingFrom }, calendar),
            ...checkBond({ type: project.type, estimatedPrice: s.estimatedPrice, bond: s.bond }),
          ];
          if (problems.length > 0) refused.push(`${day} ${time} ${project.type}: ${problems.map((x) => x.rule).join(',')}`);
        }
      }
    }
    expect(days).toBe(1096);
    expect(refused.slice(0, 10)).toEqual([]);
  });
});

describe('the demo seed as one transaction', () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await createTestPlatform({ seed: false });
  });
  afterAll(async () => {
    await p.close();
  });

  const counts = async () => {
    const [row] = await executeRows<{ orgs: number; accounts: number; sections: number; holidays: number; traces: number }>(
      p.services.db,
      sql`select (select count(*)::int from ${organisation}) as orgs, (select count(*)::int from ${account}) as accounts,
                 (select count(*)::int from ${section}) as sections, (select count(*)::int from ${holiday}) as holidays,
                 (select count(*)::int from ${traceEntry}) as traces`,
    );
    return row!;
  };

  it('a failure at the third section leaves nothing behind, and the next start loads everything', async () => {
    const before = await counts();
    // The database refuses the third section, as a crash or a full disk would stop the seed there.
    await p.services.db.execute(sql.raw(`
      create function refuse_third_section() returns trigger language plpgsql as $$
      begin
        if (select count(*) from section) >= 2 then raise exception 'disk full (test)'; end if;
        return new;
      end $$`));
    await p.services.db.execute(sql.raw(`create trigger refuse_third_section before insert on section for each row execute function refuse_third_section()`));
    const failure: unknown = await seedDemoPlatform(p.services.db, p.services.store).then(() => null, (e: unknown) => e);
    expect(String((failure as { cause?: Error } | null)?.cause?.message)).toMatch(/disk full/);
    expect(await counts()).toEqual(before);

    await p.services.db.execute(sql.raw(`drop trigger refuse_third_section on section`));
    await p.services.db.execute(sql.raw(`drop function refuse_third_section()`));
    const seeded = await seedDemoPlatform(p.services.db, p.services.store);
    expect(seeded).toMatchObject({ seeded: true, sections: 3, holidayYears: 3 });
    const after = await counts();
    expect(after.sections).toBe(3);
    expect(after.holidays).toBeGreaterThan(39 + 2 * 20);
    expect(after.accounts).toBeGreaterThan(10);

    // A restart finds the data and adds nothing.
    expect(await seedDemoPlatform(p.services.db, p.services.store)).toMatchObject({ seeded: false, sections: 0 });
    expect(await counts()).toEqual(after);
  });
});
