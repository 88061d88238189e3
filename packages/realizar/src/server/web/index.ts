/** The built-in web page of `apr serve`. */
export { WEB_METRIC_NAMES } from './metric-names.js';
export type { WebMetricKey } from './metric-names.js';
export { WEB_PAGE_CSP, WEB_PAGE_HTML } from './page.js';
export { WEB_PAGE_SCRIPT } from './page-script.js';
export { registerWebRoutes } from './route.js';
