import { createContext } from 'react';

import type { Task } from '@/lib/api-types';

/** How a campaign's candidates lay out and their media play (`display` in its spec). */
export type DisplaySettings = NonNullable<Task['display']>;
export type MediaSettings = NonNullable<DisplaySettings['media']>;

/** What a spec without `display` means: today's screen, nothing plays by itself. */
export const DEFAULT_MEDIA: Required<MediaSettings> = {
  autoplay: false,
  loop: false,
  require_full_playback: false,
  image_fit: 'contain',
};

export const mediaSettings = (display: Task['display']): Required<MediaSettings> => ({ ...DEFAULT_MEDIA, ...display?.media });

/** The media settings the parts inside (a task's candidates) follow; the defaults elsewhere. */
export const MediaDisplayContext = createContext<Required<MediaSettings>>(DEFAULT_MEDIA);
