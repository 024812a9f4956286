package dev.subdesk.api;

import dev.subdesk.shared.Page;
import dev.subdesk.shared.SubdeskException;
import org.jspecify.annotations.Nullable;

/** Reads {@code ?limit=} (1-100, default 20) and {@code ?cursor=}. */
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
}
