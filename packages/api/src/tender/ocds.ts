import { and, asc, isNotNull, ne, section, sql, type Database } from '@ggzy/db';
import { AppError, releasePackage, sectionRelease, type OcdsRelease } from '@ggzy/domain';
import type { Services } from '../context';
import { getPublicSection } from './portal';

async function releaseOf(db: Database, settings: Services['settings'], sectionId: string): Promise<OcdsRelease> {
  const d = await getPublicSection(db, sectionId);
  return sectionRelease({
    ocidPrefix: settings.ocidPrefix,
    baseUrl: settings.publicUrl,
    section: {
      id: d.section.id,
      code: d.section.code,
      name: d.section.name,
      type: d.project.type,
      method: d.project.method,
      state: d.section.state,
      estimatedPrice: d.section.estimatedPrice,
      bond: d.section.bond,
      bidValidityDays: d.section.bidValidityDays,
      documentsFrom: d.section.documentsFrom,
      documentsUntil: d.section.documentsUntil,
      deadline: d.section.deadline,
      publishedAt: d.section.publishedAt!,
      stateChangedAt: d.section.stateChangedAt,
      stateReason: d.section.stateReason,
    },
    project: { id: d.project.id, code: d.project.code, name: d.project.name },
    buyer: d.buyer,
    procuringEntity: d.agency,
    centre: d.centre,
    region: d.region,
    documents: d.documents,
    notices: d.notices.map((n) => ({ id: n.id, kind: n.kind, title: n.title, publishedAt: n.publishedAt })),
    suspension: d.suspension,
  });
}

const meta = (settings: Services['settings'], uri: string) => ({
  uri,
  publishedDate: new Date().toISOString(),
  publisher: { name: '公共资源交易平台 / Public resource trading platform', uri: settings.publicUrl },
});

/** One published section as an OCDS 1.1 release package. */
export async function sectionReleasePackage(db: Database, settings: Services['settings'], sectionId: string) {
  const release = await releaseOf(db, settings, sectionId);
  return releasePackage([release], meta(settings, `${settings.publicUrl}/api/ocds/sections/${sectionId}`));
}

/**
 * Published sections in publication order, for outside consumers: pass the last `next` cursor back
 * to continue. Each call returns one release package.
 */
export async function listReleasePackage(db: Database, settings: Services['settings'], options: { after?: string | undefined; limit: number }) {
  const [cursorTime, cursorId] = options.after ? options.after.split('|') : [];
  if (options.after && !(cursorTime && !Number.isNaN(Date.parse(cursorTime)) && /^[0-9a-f-]{36}$/.test(cursorId ?? ''))) {
    throw new AppError('INVALID_INPUT', { zh: '翻页游标无效', en: 'Invalid cursor' });
  }
  const rows = await db
    .select({ id: section.id, publishedAt: section.publishedAt })
    .from(section)
    .where(
      and(
        ne(section.state, 'draft'),
        isNotNull(section.publishedAt),
        cursorTime && cursorId ? sql`(${section.publishedAt}, ${section.id}) > (${cursorTime}::timestamptz, ${cursorId}::uuid)` : undefined,
      ),
    )
    .orderBy(asc(section.publishedAt), asc(section.id))
    .limit(options.limit);
  const releases: OcdsRelease[] = [];
  for (const row of rows) releases.push(await releaseOf(db, settings, row.id));
  const last = rows.at(-1);
  return {
    package: releases.length ? releasePackage(releases, meta(settings, `${settings.publicUrl}/api/ocds/releases`)) : null,
    next: last && rows.length === options.limit ? `${last.publishedAt!.toISOString()}|${last.id}` : null,
  };
}
