package dev.subdesk.shared;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One page of a list, newest first, and the cursor of the next page. Rows are ordered by
 * {@code (created_at DESC, seq DESC)}; a cursor is the position of the last row returned.
 */
public record Page<T>(List<T> data, @Nullable String nextCursor) {

	public <R> Page<R> map(Function<T, R> mapper) {
		return new Page<>(data.stream().map(mapper).toList(), nextCursor);
	}

	/** Where a page starts: after {@code (createdAt, seq)}, or at the top. */
	public record Cursor(Instant createdAt, long seq) {

		public static final Cursor TOP = new Cursor(Instant.parse("9999-12-31T00:00:00Z"), Long.MAX_VALUE);

		public String encode() {
			String raw = createdAt.getEpochSecond() + ":" + seq;
			return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
		}

		/** Decodes a cursor a client sent back; empty when it is not one of ours. */
		public static Optional<Cursor> decode(String cursor) {
			try {
				String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
				String[] parts = raw.split(":");
				if (parts.length != 2) {
					return Optional.empty();
				}
				return Optional.of(new Cursor(Instant.ofEpochSecond(Long.parseLong(parts[0])), Long.parseLong(parts[1])));
			}
			catch (IllegalArgumentException | java.time.DateTimeException e) {
				return Optional.empty();
			}
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
		return new Page<>(data, position.apply(data.get(limit - 1)).encode());
	}
}
