package dev.subdesk.shared;

import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One page of a list, newest first, and where the next page starts ({@code null}: this is the last page). Most lists
 * are ordered by {@code (created_at DESC, seq DESC)}; a cursor is the position of the last row returned. The API
 * turns a position into the signed {@code nextCursor} it gives and back (api.Paging): a module only ever gets a
 * position the server gave.
 */
public record Page<T>(List<T> data, @Nullable Cursor next) {

	public <R> Page<R> map(Function<T, R> mapper) {
		return new Page<>(data.stream().map(mapper).toList(), next);
	}

	/**
	 * Where a page starts: after the row at {@code (key, seq)}, or at the top. {@code key} is the row's creation
	 * second for the lists by creation ({@link #createdAt()}); a list in another order gives it its own meaning (the
	 * event log: the writing transaction). Both are never negative.
	 */
	public record Cursor(long key, long seq) {

		/** The last second a list by creation starts from: the end of the year 9999, which the database holds. */
		private static final long LAST_SECOND = Instant.parse("9999-12-31T00:00:00Z").getEpochSecond();

		public static final Cursor TOP = new Cursor(Long.MAX_VALUE, Long.MAX_VALUE);

		public Cursor {
			if (key < 0 || seq < 0) {
				throw new IllegalArgumentException("A position is not negative: " + key + ", " + seq);
			}
		}

		/** The position of a row of a list by creation (to the second, as cursors have always carried it). */
		public Cursor(Instant createdAt, long seq) {
			this(createdAt.getEpochSecond(), seq);
		}

		/** The key as the creation second of a list by creation; the top is the end of the year 9999. */
		public Instant createdAt() {
			return Instant.ofEpochSecond(Math.min(key, LAST_SECOND));
		}
	}

	/** What a list call asked for: a page size and a starting cursor. */
	public record Request(int limit, Cursor after) {

		public static Request first(int limit) {
			return new Request(limit, Cursor.TOP);
		}
	}

	/**
	 * Builds a page from rows fetched with {@code limit + 1}: the extra row, if present, proves there is a
	 * next page.
	 */
	public static <T> Page<T> of(List<T> rowsPlusOne, int limit, Function<T, Cursor> position) {
		if (rowsPlusOne.size() <= limit) {
			return new Page<>(List.copyOf(rowsPlusOne), null);
		}
		List<T> data = List.copyOf(rowsPlusOne.subList(0, limit));
		return new Page<>(data, position.apply(data.get(limit - 1)));
	}
}
