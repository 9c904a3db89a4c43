export const TRANSACTION_TYPES = ['construction', 'procurement', 'stateProperty', 'landUse', 'emissions'] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

export const TRANSACTION_TYPE_LABELS: Record<TransactionType, { zh: string; en: string }> = {
  construction: { zh: '工程建设', en: 'Construction' },
  procurement: { zh: '政府采购', en: 'Government procurement' },
  stateProperty: { zh: '国有产权', en: 'State-owned property rights' },
  landUse: { zh: '土地使用权', en: 'Land-use rights' },
  emissions: { zh: '排污权', en: 'Emission rights' },
};

/** Open and invited tenders run now; listing and auction are modelled and run in a later issue. */
export const TENDER_METHODS = ['open', 'invited', 'listing', 'auction'] as const;
export type TenderMethod = (typeof TENDER_METHODS)[number];

export const TENDER_METHOD_LABELS: Record<TenderMethod, { zh: string; en: string }> = {
  open: { zh: '公开招标', en: 'Open tender' },
  invited: { zh: '邀请招标', en: 'Invited tender' },
  listing: { zh: '挂牌', en: 'Listing' },
  auction: { zh: '拍卖', en: 'Auction' },
};
