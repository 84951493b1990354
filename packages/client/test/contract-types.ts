/**
 * Compile-time only (`npm run typecheck -w @switchboard/client`): the SDK's hand-written types
 * must be the very types of the schemas in @switchboard/contracts. A field added, renamed or
 * retyped on either side fails this file.
 */
import type * as C from '@switchboard/contracts';
import type * as S from '../src/types.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Mutual assignability, for shapes whose TypeBox form differs only in how it is written. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * One way only: the SDK's type accepts less than the contract's. Used where the contract types
 * enum lists as `string[]` (webhook filters) and the SDK names the values.
 */
type Narrower<A, B> = [A] extends [B] ? true : false;
type Assert<T extends true> = T;

export type Checks = [
  Assert<Equal<S.Channel, C.Channel>>,
  Assert<Equal<S.SessionSource, C.SessionSource>>,
  Assert<Equal<S.SessionType, C.SessionType>>,
  Assert<Equal<S.Status, C.Status>>,
  Assert<Equal<S.Sender, C.Sender>>,
  Assert<Equal<S.Scope, C.Scope>>,
  Assert<Equal<S.Sort, C.Sort>>,
  Assert<Equal<S.ExportFormat, C.ExportFormat>>,
  Assert<Equal<S.StreamEventType, C.OutboxEventType>>,
  Assert<Equal<S.TerminalStatus, C.TerminalStatus>>,
  Assert<Same<S.Session, C.Session>>,
  Assert<Equal<S.AlertMetric, C.AlertMetric>>,
  Assert<Equal<S.AlertOp, C.AlertOp>>,
  Assert<Same<S.Alert, C.Alert>>,
  Assert<Same<S.AlertTransition, C.AlertTransition>>,
  Assert<Same<S.AlertPreview, C.AlertPreview>>,
  Assert<Same<S.AlertEventData, C.AlertEventData>>,
  Assert<Narrower<S.CreateAlertBody, C.CreateAlertBody>>,
  Assert<Narrower<S.UpdateAlertBody, C.UpdateAlertBody>>,
  Assert<Narrower<S.AlertPreviewBody, C.AlertPreviewBody>>,
  Assert<Same<S.Message, C.Message>>,
  Assert<Same<S.SessionEvent, C.SessionEvent>>,
  Assert<Same<S.SessionDetail, C.SessionDetail>>,
  Assert<Same<S.TranscriptPage, C.TranscriptPage>>,
  Assert<Same<S.SessionList, C.SessionList>>,
  Assert<Same<S.TranscriptMatch, C.TranscriptMatch>>,
  Assert<Same<S.Pagination, C.Pagination>>,
  Assert<Same<S.Metrics, C.Metrics>>,
  Assert<Same<S.Timeseries, C.Timeseries>>,
  Assert<Same<S.Agent, C.Agent>>,
  Assert<Same<S.AgentDetail, C.AgentDetail>>,
  Assert<Equal<S.AgentSort, C.AgentSort>>,
  Assert<Same<S.Usage, C.Usage>>,
  Assert<Same<S.SessionStats, C.SessionStats>>,
  Assert<Same<S.Percentiles, C.Percentiles>>,
  Assert<Same<S.TimeseriesBucket, C.TimeseriesBucket>>,
  Assert<Equal<S.RangeField, C.RangeField>>,
  Assert<Equal<S.RangeOp, C.RangeOp>>,
  Assert<Equal<S.RangeParam, C.RangeParam>>,
  Assert<Same<S.RangeFilters, C.RangeFilters>>,
  Assert<Narrower<NonNullable<S.WebhookFilters['range']>, C.RangeFilterObject>>,
  // The SDK's options send what the routes' queries accept (its dates and lists are wider: Date, arrays).
  Assert<Narrower<Pick<S.AgentListOptions, 'sort' | 'limit' | keyof S.RangeFilters>, C.AgentListQuery>>,
  Assert<Narrower<Pick<S.AgentDetailOptions, 'interval' | keyof S.RangeFilters>, C.AgentDetailQuery>>,
  Assert<Same<S.ApiKey, C.ApiKey>>,
  Assert<Same<S.Integration, C.Integration>>,
  Assert<Same<S.IntegrationRequest, C.IntegrationRequest>>,
  Assert<Same<S.CreateIntegrationInput, C.CreateIntegrationBody>>,
  Assert<Equal<S.IntegrationProvider, C.IntegrationProvider>>,
  Assert<Same<S.RedactionSettings, C.RedactionSettings>>,
  Assert<Same<S.RedactionPreview, C.RedactionPreview>>,
  Assert<Same<S.RedactionPattern, C.CustomPattern>>,
  Assert<Equal<S.RedactionDetector, C.RedactionDetector>>,
  Assert<Narrower<S.RedactionSettingsInput, C.RedactionSettingsBody>>,
  Assert<Narrower<S.RedactionPreviewInput, C.RedactionPreviewBody>>,
  Assert<Same<S.CreatedApiKey, C.CreatedApiKey>>,
  Assert<Same<S.Me, C.Me>>,
  Assert<Same<S.User, C.User>>,
  Assert<Same<S.Invitation, C.Invitation>>,
  Assert<Same<S.AuthSession, C.AuthSession>>,
  Assert<Same<S.AuditEntry, C.AuditEntry>>,
  Assert<Same<S.AuditList, C.AuditList>>,
  Assert<Equal<S.Role, C.Role>>,
  Assert<Same<S.Problem, C.Problem>>,
  Assert<Same<S.CreateSessionBody, C.CreateSessionBody>>,
  Assert<Same<S.UpdateSessionBody, C.UpdateSessionBody>>,
  Assert<Same<S.MessageInput, C.MessageInput>>,
  Assert<Same<S.EventInput, C.EventInput>>,
  Assert<Same<S.IngestBatchResult, C.IngestBatchResult>>,
  Assert<Same<S.StreamEvent['type'], C.OutboxEnvelope['type']>>,
  Assert<Narrower<S.WebhookFilters, C.WebhookFilters>>,
  Assert<Narrower<S.Webhook, C.Webhook>>,
  Assert<Narrower<S.WebhookWithSecret, C.WebhookWithSecret>>,
  Assert<Narrower<S.CreateWebhookBody, C.CreateWebhookBody>>,
  Assert<Narrower<S.UpdateWebhookBody, C.UpdateWebhookBody>>,
  Assert<Same<S.WebhookDelivery, C.WebhookDelivery>>,
  Assert<Same<S.WebhookDeliveryList, C.WebhookDeliveryList>>,
  Assert<Same<S.Actor, C.Actor>>,
  Assert<Same<S.Note, C.Note>>,
  Assert<Same<S.ScoreDetail, C.ScoreDetail>>,
  Assert<Same<S.SavedView, C.SavedView>>,
  Assert<Same<S.Job, C.Job>>,
  Assert<Same<S.BulkAction, C.BulkAction>>,
];
