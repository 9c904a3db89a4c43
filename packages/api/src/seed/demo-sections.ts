import { account, eq, executeRows, organisation, sql, type Database } from '@ggzy/db';
import {
  legalSchedule,
  CalendarMissingError,
  SCORING_TEMPLATES,
  type CreateSectionInput,
  type HolidayCalendar,
} from '@ggzy/domain';
import type { ObjectStore } from '@ggzy/storage';
import { Readable } from 'node:stream';
import type { RequestInfo, SessionAccount } from '../context';
import { loadHolidayCalendar } from '../tender/access';
import { createSection } from '../tender/create-section';
import { uploadDocument } from '../tender/documents';
import { publishSection } from '../tender/publish-section';
import { loadShippedHolidays } from '../tender/shipped-holidays';
import { seedDemo, type DemoLogin } from './demo';

const request: RequestInfo = { requestId: 'demo-seed', ip: null, userAgent: 'ggzy demo seed', cookies: {}, csrfHeader: null };

/**
 * The demo sections, dated by the rules (legalSchedule: the earliest legal date plus a margin, on a
 * working day of the loaded calendar), never by fixed offsets: so they publish on any day.
 */
export function demoDrafts(now: Date, calendar: HolidayCalendar): Array<{ input: CreateSectionInput; notice: string; document: string }> {
  const from = new Date(now.getTime() - 1000);
  const construction = legalSchedule({ type: 'construction', method: 'open', documentsFrom: from, calendar });
  // A working-day period needs the calendar of its years; without it the demo has no procurement.
  let procurement: ReturnType<typeof legalSchedule> | null = null;
  try {
    procurement = legalSchedule({ type: 'procurement', method: 'open', documentsFrom: from, calendar, marginDays: 1 });
  } catch (error) {
    if (!(error instanceof CalendarMissingError)) throw error;
  }
  const landUse = legalSchedule({ type: 'landUse', method: 'listing', documentsFrom: from, calendar, marginDays: 1, deadlineTime: '10:00' });
  const drafts: Array<{ input: CreateSectionInput; notice: string; document: string } | null> = [
    {
      input: {
        project: { name: '示例市滨江公园景观提升工程', type: 'construction', method: 'open' },
        section: {
          name: '施工总承包', estimatedPrice: 2_850_000_000, bond: 50_000_000, bidValidityDays: 90,
          scoringMethod: SCORING_TEMPLATES.comprehensive, documentsFrom: from,
          documentsUntil: construction.documentsUntil, deadline: construction.deadline,
          openingMode: 'bidderKey', custodianIds: [], envelopeSuite: 'rsa-oaep-sha256/aes-256-gcm-stream',
        },
      },
      notice: '<p>示例市滨江公园景观提升工程已具备招标条件，现进行公开招标，欢迎符合资格条件的投标人参加投标。</p><p>本次招标为不见面开标，投标人通过平台远程解密投标文件。</p>',
      document: '示例市滨江公园景观提升工程 招标文件\n第一章 招标公告\n第二章 投标人须知\n第三章 评标办法（综合评估法）\n',
    },
    procurement && {
      input: {
        project: { name: '示例市人民医院医疗设备采购', type: 'procurement', method: 'open' },
        section: {
          name: '影像设备包', estimatedPrice: 680_000_000, bond: 10_000_000, bidValidityDays: 60,
          scoringMethod: SCORING_TEMPLATES.procurementLowPrice, documentsFrom: from,
          documentsUntil: procurement.documentsUntil, deadline: procurement.deadline,
          openingMode: 'bidderKey', custodianIds: [], envelopeSuite: 'rsa-oaep-sha256/aes-256-gcm-stream',
        },
      },
      notice: '<p>示例市人民医院医疗设备采购项目（影像设备包）进行公开招标，预算金额 680 万元。</p>',
      document: '示例市人民医院医疗设备采购 招标文件\n采购需求：数字化X射线摄影系统一套……\n',
    },
    {
      input: {
        project: { name: '东江县城东片区国有建设用地使用权挂牌出让', type: 'landUse', method: 'listing' },
        section: {
          name: 'DJ2026-08 地块', estimatedPrice: 12_600_000_000, bond: 2_520_000_000, bidValidityDays: 30,
          scoringMethod: SCORING_TEMPLATES.lowestEvaluatedPrice, documentsFrom: from,
          listingFrom: landUse.listingFrom!,
          documentsUntil: landUse.documentsUntil, deadline: landUse.deadline,
          openingMode: 'bidderKey', custodianIds: [], envelopeSuite: 'rsa-oaep-sha256/aes-256-gcm-stream',
        },
      },
      notice: '<p>经东江县人民政府批准，东江县自然资源局决定以挂牌方式出让 DJ2026-08 地块国有建设用地使用权。</p>',
      document: 'DJ2026-08 地块 挂牌出让文件\n宗地面积、用途、规划条件……\n',
    },
  ];
  return drafts.filter((d) => d !== null);
}

async function sessionOf(db: Database, username: string): Promise<SessionAccount | null> {
  const [row] = await db
    .select({ account, organisationName: organisation.name })
    .from(account)
    .leftJoin(organisation, eq(organisation.id, account.organisationId))
    .where(eq(account.username, username));
  if (!row) return null;
  return {
    sessionId: 'demo-seed',
    accountId: row.account.id,
    username: row.account.username,
    displayName: row.account.displayName,
    role: row.account.role,
    organisationId: row.account.organisationId,
    organisationName: row.organisationName ?? '',
    regionCode: row.account.regionCode,
  };
}

/** Published demo sections, so the portal is not empty on first start. Called once, with the demo data. */
export async function seedDemoSections(db: Database, store: ObjectStore): Promise<number> {
  const tenderer = await sessionOf(db, 'tenderer');
  if (!tenderer) return 0;
  const [{ now } = { now: new Date() }] = await executeRows<{ now: Date }>(db, sql`select now() as now`);
  const calendar = await loadHolidayCalendar(db);
  let count = 0;
  for (const draft of demoDrafts(new Date(now), calendar)) {
    const created = await createSection({ db, request, account: tenderer, input: draft.input });
    await uploadDocument({
      db,
      store,
      request,
      account: tenderer,
      sectionId: created.sectionId,
      filename: '招标文件.txt',
      contentType: 'text/plain; charset=utf-8',
      body: Readable.from([Buffer.from(draft.document)]),
    });
    await publishSection({ db, request, account: tenderer, sectionId: created.sectionId, noticeTitle: `${draft.input.project.name}招标公告`, noticeHtml: draft.notice });
    count++;
  }
  return count;
}

/**
 * The whole demo data in one transaction: accounts, the published holiday calendar, the sections. A
 * crash part-way leaves nothing behind, so the next start loads it all again. (Objects a rolled-back
 * seed stored stay in the store unreferenced; no row points at them.)
 */
export async function seedDemoPlatform(db: Database, store: ObjectStore): Promise<{ seeded: boolean; logins: DemoLogin[]; holidayYears: number; sections: number }> {
  return db.transaction(async (tx) => {
    const demo = await seedDemo(tx);
    if (!demo.seeded) return { ...demo, holidayYears: 0, sections: 0 };
    // The published notices, and for the years not yet published the projected arrangements (named
    // as such), so the demo's procurement section can count its working days in any year.
    const holidayYears = (await loadShippedHolidays(tx, { projected: true })).length;
    const sections = await seedDemoSections(tx, store);
    return { ...demo, holidayYears, sections };
  });
}
