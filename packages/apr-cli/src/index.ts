export { main } from './main.js';
export { inspectModel, type InspectReport } from './commands/inspect.js';
