// One Application's preview for a pull request.
// (Skeleton: the signature is fixed; the implementation lands with the previews work.)
import type { Application } from "../core/application.ts";
import type { KubeObject } from "../core/objects.ts";
import type { AppPreview } from "../core/preview/report.ts";

export interface AppPreviewOptions {
  /** Also compare the head with the live cluster (a server-side dry run); default true. */
  live?: boolean;
  signal?: AbortSignal;
}

export interface AppPreviewResult {
  preview: AppPreview;
  /** The objects rendered from the head, Secret values masked; empty after a render error. For policy checks. */
  headObjects: KubeObject[];
}

export interface AppPreviewer {
  previewApp(
    app: Application,
    baseSha: string,
    headSha: string,
    options?: AppPreviewOptions,
  ): Promise<AppPreviewResult>;
}
