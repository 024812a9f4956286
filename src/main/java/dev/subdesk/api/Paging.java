package dev.subdesk.api;

import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Reads {@code ?limit=} (1-100, default 20; outside that {@code 400}) and {@code ?cursor=}. */
final class Paging {

	private Paging() {
	}

	static Page.Request of(@Nullable String limit, @Nullable String cursor) {
		int size = 20;
		if (limit != null) {
			try {
				size = Integer.parseInt(limit.trim());
			}
			catch (NumberFormatException e) {
				throw SubdeskException.invalid("limit", "must be an integer from 1 to 100");
			}
			if (size < 1 || size > 100) {
				throw SubdeskException.invalid("limit", "must be an integer from 1 to 100");
			}
		}
		if (cursor == null || cursor.isEmpty()) {
			return Page.Request.first(size);
		}
		Page.Cursor after = Page.Cursor.decode(cursor)
			.orElseThrow(() -> SubdeskException.invalid("cursor", "is not a cursor this server gave"));
		return new Page.Request(size, after);
	}

	/**
	 * One page of a short list held in memory, in its own order (the catalog, the receipt keys). Its cursor is the
	 * position of the next item, carried as a {@link Page.Cursor} at the epoch; any other cursor is {@code 400}.
	 */
	static <T> Page<T> slice(List<T> items, @Nullable String limit, @Nullable String cursor) {
		Page.Request request = of(limit, cursor);
		int from = 0;
		if (!request.after().equals(Page.Cursor.TOP)) {
			Page.Cursor after = request.after();
			if (!after.createdAt().equals(Instant.EPOCH) || after.seq() < 0 || after.seq() > items.size()) {
				throw SubdeskException.invalid("cursor", "is not a cursor this server gave");
			}
			from = (int) after.seq();
		}
		int to = Math.min(items.size(), from + request.limit());
		String next = to < items.size() ? new Page.Cursor(Instant.EPOCH, to).encode() : null;
		return new Page<>(List.copyOf(items.subList(from, to)), next);
	}
}
