-- The invariant-1 sweep has read no watermark since V335 (state) and V347 (a queue of changes): nothing reads or
-- writes sweep_watermark (V4) any more.
DROP TABLE IF EXISTS sweep_watermark;
