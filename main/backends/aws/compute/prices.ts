/**
 * Hourly prices from the bundled, dated table (prices.json). The seed policy
 * grants no pricing API, so the offer shown before launch comes from this
 * table; spot prices are an estimate (a fixed fraction of on-demand), and
 * the table says so.
 */
import table from './prices.json';

interface PriceTable {
  date: string;
  spot: { factor: number; note: string };
  prices: Record<string, Record<string, number>>;
}

const t = table as PriceTable;

export const PRICES_DATE = t.date;

/** $/hour for a type in a region, or undefined when the table has no price for it. */
export function hourlyPrice(region: string, instanceType: string, spot: boolean): number | undefined {
  const onDemand = t.prices[region]?.[instanceType];
  if (onDemand === undefined) return undefined;
  return spot ? Math.round(onDemand * t.spot.factor * 10_000) / 10_000 : onDemand;
}

/** The types the table prices in a region: the only ones the backend will choose. */
export function pricedTypes(region: string): string[] {
  return Object.keys(t.prices[region] ?? {});
}
