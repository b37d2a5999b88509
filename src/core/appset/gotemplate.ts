import type { ParamSet } from "./params.ts";

export function renderGoTemplate(
  text: string,
  params: ParamSet,
): { ok: true; text: string } | { ok: false; message: string } {
  void params;
  if (!text.includes("{{")) return { ok: true, text };
  return { ok: false, message: "goTemplate is not supported yet" };
}
