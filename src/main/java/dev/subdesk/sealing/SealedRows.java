package dev.subdesk.sealing;

import java.util.List;
import java.util.Map;

/**
 * Rows a module keeps sealed under the {@link KeyEncryptionKey}, each with the fingerprint of the key that sealed it:
 * what {@link Resealing} moves to the current key after a rotation. Each module that seals implements it for its
 * own tables; this module knows none of them.
 */
public interface SealedRows {

	/** What these rows hold, for the log ("entitlement signing keys"). */
	String what();

	/**
	 * How many rows are sealed under each key other than the current one, by the key's fingerprint. Rows no longer in
	 * use and deleted in time anyway (a rotated-out webhook secret whose 24 hours are over) are left out here and in
	 * {@link #pass()}: a damaged one, or one under a key this server does not have, would otherwise keep the count
	 * above 0 for good.
	 */
	Map<String, Long> sealedUnderOtherKeys();

	/**
	 * A new pass over the rows sealed under a previous key ({@link KeyEncryptionKey#previousIds()}, never a next one),
	 * along the primary key: each batch starts after the last row the one before read, so a pass reads each row once.
	 */
	Pass pass();

	/** One pass over the rows, batch by batch. */
	interface Pass {

		/**
		 * Seals at most {@code limit} rows after the last one this pass read again under the current key, in one short
		 * transaction that skips rows other transactions hold (left to the next pass). A row that does not open under
		 * the key it names (altered, damaged) is left as it is and named in {@link Batch#unopenable()}; the others move
		 * on. A batch that read nothing ends the pass.
		 */
		Batch next(int limit);
	}

	/**
	 * What one batch did: how many rows it read, how many it re-sealed, and which rows (named for the log, as
	 * "table id") do not open.
	 */
	record Batch(int read, int resealed, List<String> unopenable) {

		public Batch {
			unopenable = List.copyOf(unopenable);
		}
	}
}
