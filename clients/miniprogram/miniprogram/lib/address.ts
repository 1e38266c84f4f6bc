/**
 * `wx.chooseAddress` → the shop's address. WeChat gives province/city/county names and the
 * county's national code (GB/T 2260): 330106 is 西湖区, in 330100 (杭州市), in 330000
 * (浙江省). The shop keeps each division's own name from that table (its shipping rules match
 * those names), so the names are taken from the shop's `/regions` for those codes, and
 * WeChat's own names only where a code is missing or unknown.
 */
import type { components } from '../api/schema';

export type ShopAddress = components['schemas']['OrderBody']['address'];

export interface WxAddress {
  userName: string;
  telNumber: string;
  provinceName: string;
  cityName: string;
  countyName: string;
  detailInfo: string;
  postalCode?: string;
  nationalCode?: string;
  streetName?: string;
}

export interface RegionCodes { province: string; city: string; district: string }

/** The three codes in a county's national code; null when it is not one. */
export function regionCodes(nationalCode: string | undefined): RegionCodes | null {
  if (!nationalCode || !/^\d{6}$/.test(nationalCode) || nationalCode.endsWith('00')) return null;
  return { province: `${nationalCode.slice(0, 2)}0000`, city: `${nationalCode.slice(0, 4)}00`,
           district: nationalCode };
}

/** `code → name` of the divisions under `parent` ("" for the provinces). */
export type RegionLookup = (parent: string) => Promise<Record<string, string>>;

export interface ChosenAddress { address: ShopAddress; regions: RegionCodes | null }

export async function fromWxAddress(chosen: WxAddress, lookup?: RegionLookup): Promise<ChosenAddress> {
  const regions = regionCodes(chosen.nationalCode);
  let province = chosen.provinceName;
  let city = chosen.cityName;
  let district = chosen.countyName;
  if (regions && lookup) {
    try {
      const [provinces, cities, districts] = await Promise.all([
        lookup(''), lookup(regions.province), lookup(regions.city)]);
      province = provinces[regions.province] ?? province;
      // 直辖市: WeChat says 北京市 / 市辖区 for the city; the table has one city level.
      city = cities[regions.city] ?? city;
      district = districts[regions.district] ?? district;
    } catch {
      // The shop's table could not be read: WeChat's names are still an address.
    }
  }
  const line1 = [chosen.streetName, chosen.detailInfo].filter(Boolean).join(' ').trim();
  const address: ShopAddress = {
    name: chosen.userName.trim(),
    phone: chosen.telNumber.replace(/[\s-]/g, ''),
    country: 'CN',
    province,
    city,
    line1,
  };
  if (district) address.district = district;
  if (chosen.postalCode && chosen.postalCode !== '000000') address.postal_code = chosen.postalCode;
  return { address, regions };
}
