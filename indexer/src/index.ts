/**
 * gpunet indexer: datasources (live logsSubscribe, Yellowstone gRPC, Helius
 * webhooks, your own; RPC backfill) -> pure decoder (the SDK's parser) ->
 * per-entity event handlers -> SQLite or PostgreSQL, plus a typed query
 * module, a read-only HTTP API and the CLI entry points.
 *
 * @example
 * ```ts
 * import { createIndexer, openReaderDatabase, createIndexQueries } from "@gpunet/indexer";
 * const indexer = await createIndexer({ dbPath: "index.db", rpcUrl: "http://127.0.0.1:8899", wsUrl: "ws://127.0.0.1:8900" });
 * await indexer.start();
 * const q = createIndexQueries(openReaderDatabase("index.db").db);
 * console.log(await q.networkTotals());
 * ```
 */
export { createIndexer } from "./pipeline.ts";
export type { Indexer, IndexerStats, IngestOptions } from "./pipeline.ts";
export { resolveIndexerConfig } from "./config.ts";
export type { IndexerConfig, ResolvedIndexerConfig } from "./config.ts";
export { IndexerError, isIndexerError } from "./errors.ts";
export type { IndexerErrorCode, IndexerErrorContext } from "./errors.ts";
export { FINALITY_CODE, FINALITY_NAME } from "./types.ts";
export type { Finality, LiveStatusListener, TransactionUpdate, UpdateSink, UpdateSource } from "./types.ts";
export { decodeUpdate } from "./decoder.ts";
export type { DecodedEvent, DecodedTransaction, DecodeStatus } from "./decoder.ts";
export { encodeEventPayload } from "./event-codec.ts";
export { createIndexStore } from "./processors/store.ts";
export type {
  AccountSnapshotInput,
  BatchResult,
  CheckpointUpdate,
  GapCursorUpdate,
  GapRow,
  IndexStore,
  IngestBatch,
  PreparedTransaction,
  TxRef,
} from "./processors/store.ts";
export { openReaderDatabase, openWriterDatabase, runMigrations } from "./db/client.ts";
export { isPostgresUrl, openPostgresWriter, openReadStore, openWriteStore } from "./store/open.ts";
export type { OpenWriteStoreOptions, ReadStore, WriteStore } from "./store/open.ts";
export { canonicalDump } from "./store/dump.ts";
export { createSqliteBackend } from "./store/sqlite.ts";
export { createPostgresBackend } from "./store/postgres.ts";
export { COLUMNS } from "./store/backend.ts";
export type { BatchPlan, HistoryTable, StoreBackend, TxRow } from "./store/backend.ts";
export type { OpenWriterOptions, ReaderDatabase, SqliteHandle, WriterDatabase } from "./db/client.ts";
export { INDEXER_MIGRATIONS } from "./db/migrations/index.ts";
export type { IndexerMigration, SqlDialect } from "./db/migrations/index.ts";
export type { IndexDatabase } from "./db/schema.ts";
export { parseUintText, u128Text, u64Text } from "./db/u64.ts";
export { signatureHash } from "./db/signature-hash.ts";
export { bigintJson, createIndexQueries, JOB_STATES } from "./query.ts";
export type { DeadLetterView, IndexQueries, JobStateName, JobView, NetworkTotals, Page, PaymentsBucket, ProviderView, RewardsBucket } from "./query.ts";
export { HttpBody, startApiServer } from "./server.ts";
export type { ApiReader, ApiServer, ApiServerOptions } from "./server.ts";
export { createApiMetrics } from "./metrics.ts";
export type { ApiMetrics, ApiMetricsOptions } from "./metrics.ts";
export { createLiveFeed } from "./dashboard/live.ts";
export type { LiveFeed, LiveFeedOptions } from "./dashboard/live.ts";
export { checkDatasources, datasourcesFromConfig, heliusWebhook, logsSubscribe, yellowstone } from "./datasources/index.ts";
export type {
  Datasource,
  DatasourceConfigFields,
  DatasourceContext,
  DatasourceRecovery,
  DatasourceStats,
  DatasourceStatusListener,
} from "./datasources/index.ts";
export type { LogsSubscribeDatasourceOptions } from "./datasources/logs-subscribe.ts";
export type { YellowstoneDatasourceOptions } from "./datasources/yellowstone.ts";
export type { HeliusWebhookDatasourceOptions } from "./datasources/helius-webhook.ts";
export { applyHandler, CONFIG_HANDLERS, HANDLERS, JOB_HANDLERS, PROVIDER_HANDLERS } from "./handlers/index.ts";
export type { EntityEvent, EntityHandlers, EventHandler, HandlerContext, HandlerRegistry } from "./handlers/index.ts";
export { emptyConfig, emptyJob, emptyProvider } from "./processors/state.ts";
export type { ConfigState, JobState, KeyId, ProviderState, Versions } from "./processors/state.ts";
export { createLogsSubscribeSource } from "./datasources/logs-subscribe.ts";
export type { LiveSource, LiveSourceStats, LogsSubscribeOptions } from "./datasources/logs-subscribe.ts";
export { createYellowstoneSource, grpcStatusOf, yellowstoneResumeSlot } from "./datasources/yellowstone.ts";
export type { YellowstoneOptions, YellowstoneSource, YellowstoneStats, YellowstoneStatusListener } from "./datasources/yellowstone.ts";
export { fetchTransactions, listSignatures, rpcTransactionToUpdate } from "./datasources/backfill.ts";
export type { SignatureInfo } from "./datasources/backfill.ts";
export { startHeliusWebhookServer, ensureHeliusWebhook, HELIUS_API_URL } from "./datasources/helius-webhook.ts";
export type {
  HeliusWebhookOptions,
  HeliusWebhookServer,
  EnsureHeliusWebhookOptions,
  EnsureHeliusWebhookResult,
  HeliusWebhook,
  HeliusWebhookRequest,
} from "./datasources/helius-webhook.ts";
export { createRpcClient, parseRetryAfter } from "./rpc.ts";
export type { RpcClient, RpcClientOptions, RpcTransaction } from "./rpc.ts";
export { formatProgress } from "./progress.ts";
export type { BackfillProgress } from "./progress.ts";
export { INDEX_USAGE, QUERY_USAGE, runIndexCommand, runQueryCommand } from "./cli.ts";
export type { CommandIo } from "./cli.ts";
export * from "./history/index.ts";
export * from "./names.ts";
export {
  gpuBreakdown as gpuBreakdownProgram,
  jobTimeline as jobTimelineProgram,
  kyselyExecutor,
  metaDocument as metaDocumentProgram,
  networkSeries as networkSeriesProgram,
  providerSeries as providerSeriesProgram,
  providerSlashes as providerSlashesProgram,
  reputationOf as reputationOfProgram,
  reputationPage as reputationPageProgram,
  MAX_POINTS,
} from "./api/read.ts";
export type {
  GpuBreakdown,
  JobTimeline,
  MetaDocument,
  NetworkPoint,
  ProviderPoint,
  ReputationItem,
  ReputationPage,
  Series,
  SeriesRange,
  SlashItem,
} from "./api/read.ts";
export { handleAnalytics, parseTimeParam, RawBody, toCsv, ANALYTICS_ROUTE_PARAMS } from "./api/analytics.ts";
export { openApiDocument, API_ROUTES } from "./api/openapi.ts";
export { humanize, humanField, withHumanFields, type HumanUnits } from "./api/human.ts";
export { recordStakeMint, storedMint } from "./api/mint.ts";
export type { CursorPage, Paged } from "./query.ts";
