import { queryOptions, useQuery } from '@tanstack/react-query';

import { client, unwrap } from '@/lib/api-client';
import type { components } from '@/lib/api-schema';

export type ExportFormatList = components['schemas']['ExportFormatList'];
export type ExportFormatInfo = components['schemas']['ExportFormatOut'];
export type CampaignKind = ExportFormatInfo['campaign_kinds'][number];

/** Every export format the server knows: its columns, the campaign kinds it supports, its options. */
export const getExportFormats = (): Promise<ExportFormatList> => unwrap(client.GET('/api/exports/formats'));

export const exportFormatsQueryKey = ['exports', 'formats'] as const;

export const getExportFormatsQueryOptions = () =>
  // The registry changes only with the server's code.
  queryOptions({ queryKey: exportFormatsQueryKey, queryFn: getExportFormats, staleTime: Infinity });

export const useExportFormats = () => useQuery(getExportFormatsQueryOptions());
