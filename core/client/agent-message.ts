/**
 * Types of the AgentMessage body the RBM API accepts:
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages
 */

export interface SuggestedReply {
  readonly reply: { readonly text: string; readonly postbackData: string };
}

export interface SuggestedAction {
  readonly action: {
    readonly text: string;
    readonly postbackData: string;
    readonly fallbackUrl?: string;
    readonly dialAction?: { readonly phoneNumber: string };
    readonly viewLocationAction?: { readonly latLong?: { latitude: number; longitude: number }; readonly label?: string; readonly query?: string };
    readonly shareLocationAction?: Record<string, never>;
    readonly openUrlAction?: { readonly url: string; readonly application?: 'BROWSER' | 'WEBVIEW'; readonly webviewViewMode?: 'FULL' | 'HALF' | 'TALL' };
    readonly createCalendarEventAction?: {
      readonly startTime: string;
      readonly endTime: string;
      readonly title: string;
      readonly description?: string;
    };
  };
}

export type Suggestion = SuggestedReply | SuggestedAction;

export interface CardContent {
  readonly title?: string;
  readonly description?: string;
  readonly media?: {
    readonly height: 'SHORT' | 'MEDIUM' | 'TALL';
    readonly contentInfo: { readonly fileUrl: string; readonly thumbnailUrl?: string; readonly forceRefresh?: boolean };
  };
  readonly suggestions?: readonly Suggestion[];
}

export interface RichCard {
  readonly standaloneCard?: {
    readonly cardOrientation: 'VERTICAL' | 'HORIZONTAL';
    readonly thumbnailImageAlignment?: 'LEFT' | 'RIGHT';
    readonly cardContent: CardContent;
  };
  readonly carouselCard?: {
    readonly cardWidth: 'SMALL' | 'MEDIUM';
    readonly cardContents: readonly CardContent[];
  };
}

/** Exactly one of text, richCard, contentInfo or uploadedRbmFile, plus optional suggestions. */
export interface ContentMessage {
  readonly text?: string;
  readonly richCard?: RichCard;
  readonly contentInfo?: { readonly fileUrl: string; readonly thumbnailUrl?: string; readonly forceRefresh?: boolean };
  readonly uploadedRbmFile?: { readonly fileName: string; readonly thumbnailName?: string };
  readonly suggestions?: readonly Suggestion[];
}

/** The values of `messageTrafficType`, as Google lists them: one table for the type and every check. */
export const TRAFFIC_TYPES = ['AUTHENTICATION', 'TRANSACTION', 'PROMOTION', 'SERVICEREQUEST', 'ACKNOWLEDGEMENT'] as const;

export type MessageTrafficType = (typeof TRAFFIC_TYPES)[number];

export interface AgentMessage {
  readonly contentMessage: ContentMessage;
  readonly messageTrafficType?: MessageTrafficType;
  readonly expireTime?: string;
  readonly ttl?: string;
}

export type AgentEvent =
  | { readonly eventType: 'READ'; readonly messageId: string }
  | { readonly eventType: 'IS_TYPING' };
