/** Playwright page objects of the console; every locator is by role and accessible name. */
export { ConfirmDialog } from './confirm-dialog'
export { DrillRunView } from './drill-run'
export { EswitchPanel } from './eswitch-panel'
export { HostListPage } from './host-list'
export { RepresentorsTable } from './representors-table'
export { TracePane, type PaneName } from './trace-pane'
