/**
 * main/host public API: discovery → `HostSnapshot`, diffs, the live watcher, and the pure
 * parsers (for the engine's operation outputs). I/O only through `CommandRunner`.
 */
export type { CommandRunner, ExecOptions, ExecResult, StreamOptions } from './ports'
export {
  buildDiscoveryScript,
  DISCOVERY_PARTS,
  splitSections,
  type DiscoveryPart,
  type DiscoveryScript,
  type DiscoveryScriptOptions,
  type RawSection,
} from './discovery-script'
export {
  discover,
  discoverWithSections,
  knownEswitchHandles,
  mergeSections,
  refreshParts,
  type DiscoverOptions,
  type Discovery,
} from './discover'
export { diffSnapshots } from './diff'
export {
  startHostWatcher,
  type ChangeListener,
  type HostWatcher,
  type HostWatcherOptions,
} from './watcher'
export { createJsonSplitter, type JsonSplitter, type JsonSplitterSink } from './json-splitter'
export { damagedDevlinkEvent, devlinkEvent, ipEvents, type MonitorEvent } from './monitor-events'
export * from './parse-devlink'
export * from './parse-logs'
export * from './parse-net'
export * from './parse-result'
export * from './parse-sections'
export * from './parse-system'
export { buildSnapshot, type BuildOptions } from './snapshot-build'
export { parseSections, sectionCommand, type ParsedSections } from './snapshot-sections'
