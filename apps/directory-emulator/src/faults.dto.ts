import { IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import type { FaultSettings } from './options.js';

/** `PUT /_emulator/faults`: the fault settings; fields left out become 0 (no fault). */
export class FaultSettingsDto implements Partial<FaultSettings> {
  /** Added latency (ms) before every `/v1/...` request is handled. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600_000)
  latency_ms?: number;

  /** Share (0..1) of `/v1/...` requests answered HTTP 500 with a 500 envelope. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  error_rate?: number;

  /** Share (0..1) of answers cut off mid-body (connection destroyed after half the bytes). */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  drop_rate?: number;

  /** Share (0..1) of answers with a body that is not valid JSON. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  malformed_rate?: number;

  /** Share (0..1) of non-empty `/view`/`/page-orgs` pages returning fewer rows than their totals say. */
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1)
  short_page_rate?: number;

  /** The next N `/v1/...` requests get a 500. */
  @IsOptional()
  @IsInt()
  @Min(0)
  error_count?: number;

  /** The next N answers are cut off mid-body. */
  @IsOptional()
  @IsInt()
  @Min(0)
  drop_count?: number;

  /** The next N answers are malformed JSON. */
  @IsOptional()
  @IsInt()
  @Min(0)
  malformed_count?: number;

  /** The next N non-empty `/view`/`/page-orgs` pages are short. */
  @IsOptional()
  @IsInt()
  @Min(0)
  short_page_count?: number;

  /** Answer every active person of the smallest department with at least N of them (primary position) as locked, counts unchanged; 0: off. */
  @IsOptional()
  @IsInt()
  @Min(0)
  empty_department_size?: number;
}
