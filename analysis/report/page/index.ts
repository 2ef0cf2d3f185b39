/** @module analysis/report/page — the verdict report page: one self-contained HTML file per analysis. */
export { renderReportPage, type InlineImage, type RenderOptions } from './render.ts';
export { writeReportPage, inlineImageFile, MAX_INLINE_IMAGE_BYTES } from './write.ts';
export { pageFromJudgeResult, llmExplanation } from './fromJudgeResult.ts';
export { pageFromCanaryVerdict } from './fromCanaryVerdict.ts';
export {
  ReportPageInputSchema,
  PageJourneySchema,
  PageStepSchema,
  PageFailureSchema,
  type ReportPageInput,
  type ReportPage,
  type PageJourney,
  type PageStep,
} from './types.ts';
