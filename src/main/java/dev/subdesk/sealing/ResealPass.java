package dev.subdesk.sealing;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A {@link SealedRows.Pass} over one table, the loop every module's {@link SealedRows} shares; the table gives its
 * SQL and how to open a row. Each batch, in one transaction: reads the next rows sealed under a previous key after the
 * last one read, seals each again under the current key and stores it; a row that does not open (an
 * {@link IllegalStateException} from {@link KeyEncryptionKey#reseal}) is left as it is and named in the batch.
 *
 * @param <R> a row as the table reads it
 */
public abstract class ResealPass<R> implements SealedRows.Pass {

	private final TransactionTemplate transactions;
	private @Nullable R last;

	protected ResealPass(TransactionTemplate transactions) {
		this.transactions = transactions;
	}

	/**
	 * At most {@code limit} rows sealed under a previous key ({@link KeyEncryptionKey#previousIds()}), in primary-key
	 * order after {@code after} (null: from the first), locked {@code FOR NO KEY UPDATE SKIP LOCKED}.
	 */
	protected abstract List<R> read(@Nullable R after, int limit);

	/** The row's sealed value opened under the key it names and sealed again under the current one. */
	protected abstract byte[] reseal(R row);

	/** Stores the row's value sealed again; answers how many rows it changed. */
	protected abstract int write(R row, byte[] resealed);

	/** The row as the log names it: its table and id ("entitlement_keys kid_..."). */
	protected abstract String name(R row);

	@Override
	public SealedRows.Batch next(int limit) {
		SealedRows.Batch done = transactions.execute(tx -> {
			List<R> rows = read(last, limit);
			int resealed = 0;
			List<String> unopenable = new ArrayList<>();
			for (R row : rows) {
				byte[] again;
				try {
					again = reseal(row);
				}
				catch (IllegalStateException e) {
					unopenable.add(name(row));
					continue;
				}
				resealed += write(row, again);
			}
			if (!rows.isEmpty()) {
				last = rows.getLast();
			}
			return new SealedRows.Batch(rows.size(), resealed, unopenable);
		});
		return done == null ? new SealedRows.Batch(0, 0, List.of()) : done;
	}
}
