/**
 * The shop this build talks to. `galleria miniprogram build --shop SLUG` writes this file
 * for one shop; these values are for development against `galleria demo`.
 */
export const SHOP = {
  apiBase: 'http://appliances.localhost:8000',
  appid: 'touristappid',
  name: 'Galleria',
  primaryColor: '#c8102e',
  accentColor: '#f5a623',
  logo: '',
  categories: [] as { id: number; name: string; slug: string; parent_id: number | null; position: number }[],
};
