package dev.subdesk.shared;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * Bulk inserts with PostgreSQL's {@code COPY ... FROM STDIN (FORMAT csv)} on the connection of the current
 * transaction: the fastest way to write the rows of a thousand renewals at once. The rows are written as UTF-8 bytes
 * as they are added and handed to the driver in one piece (no text copy of the whole batch, no encoding pass of the
 * driver's own): the events, charges and notices of a renewal batch are most of what the renewal engine writes.
 */
public final class BulkCopy {

	private static final byte QUOTE = '"';

	private byte[] bytes = new byte[64 * 1024];
	private int size;
	private int columns;

	/** Starts a row. */
	public BulkCopy row() {
		if (size > 0) {
			write((byte) '\n');
		}
		columns = 0;
		return this;
	}

	/** Adds a text value; null is SQL NULL (an empty unquoted field), the empty string an empty quoted one. */
	public BulkCopy add(@Nullable String value) {
		separator();
		if (value != null) {
			byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
			write(QUOTE);
			// in UTF-8 the byte of '"' is never part of another character: doubling it where it stands is enough
			int from = 0;
			for (int i = 0; i < utf8.length; i++) {
				if (utf8[i] == QUOTE) {
					write(utf8, from, i + 1 - from);
					write(QUOTE);
					from = i + 1;
				}
			}
			write(utf8, from, utf8.length - from);
			write(QUOTE);
		}
		return this;
	}

	public BulkCopy add(long value) {
		separator();
		ascii(Long.toString(value));
		return this;
	}

	public BulkCopy add(Instant value) {
		separator();
		ascii(value.toString());
		return this;
	}

	/** Copies the rows into {@code table (columns)} within the current transaction. */
	public void into(DataSource dataSource, String tableAndColumns) {
		if (size == 0) {
			return;
		}
		Connection connection = DataSourceUtils.getConnection(dataSource);
		CopyIn copy = null;
		try {
			copy = connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyIn("COPY " + tableAndColumns + " FROM STDIN (FORMAT csv)");
			copy.writeToCopy(bytes, 0, size);
			copy.endCopy();
		}
		catch (SQLException e) {
			cancel(copy);
			throw new DataAccessResourceFailureException("COPY into " + tableAndColumns + " failed", e);
		}
		finally {
			DataSourceUtils.releaseConnection(connection, dataSource);
		}
	}

	private static void cancel(@Nullable CopyIn copy) {
		if (copy != null && copy.isActive()) {
			try {
				copy.cancelCopy();
			}
			catch (SQLException ignored) {
				// the transaction fails anyway: the COPY's own error is the one to report
			}
		}
	}

	private void separator() {
		if (columns++ > 0) {
			write((byte) ',');
		}
	}

	/** Text of ASCII characters only (digits, an instant), one byte each. */
	private void ascii(String text) {
		int length = text.length();
		room(length);
		for (int i = 0; i < length; i++) {
			bytes[size++] = (byte) text.charAt(i);
		}
	}

	private void write(byte b) {
		room(1);
		bytes[size++] = b;
	}

	private void write(byte[] source, int from, int length) {
		room(length);
		System.arraycopy(source, from, bytes, size, length);
		size += length;
	}

	private void room(int more) {
		if (size + more > bytes.length) {
			bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
		}
	}
}
