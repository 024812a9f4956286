package dev.subdesk.shared;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.datasource.DataSourceUtils;

/**
 * Bulk inserts with PostgreSQL's {@code COPY ... FROM STDIN (FORMAT csv)} on the connection of the current
 * transaction: the fastest way to write the rows of a thousand renewals at once. The rows are written as UTF-8 bytes
 * as they are added and handed to the driver as they are (no text copy of the whole batch, no encoding pass of the
 * driver's own): the events, charges and notices of a renewal batch are most of what the renewal engine writes.
 * <p>
 * The bytes are kept in chunks of {@value #CHUNK} bytes, never in one array as large as the batch: a batch's rows
 * are a megabyte or more, which G1 allocates as a humongous object, and each such allocation started a concurrent
 * marking cycle (69 in a 300,000-renewal run, a concurrent GC thread busy a tenth of the run).
 */
public final class BulkCopy {

	private static final byte QUOTE = '"';

	/** Bytes in a chunk: far below half a G1 region (1 MB for heaps under 2 GB), above the driver's own buffer. */
	static final int CHUNK = 32 * 1024;

	/** The chunks already full. */
	private final List<byte[]> full = new ArrayList<>();
	private byte[] bytes = new byte[CHUNK];
	/** Bytes used in {@link #bytes}. */
	private int size;
	/** Rows started. */
	private int rows;
	private int columns;

	/** Starts a row. */
	public BulkCopy row() {
		if (rows++ > 0) {
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

	/** Copies the rows into {@code table (columns)} within the current transaction; once. */
	public void into(DataSource dataSource, String tableAndColumns) {
		if (rows == 0) {
			return;
		}
		// the last row ends too: a last row of only NULL would otherwise be an empty last line, which is no row
		write((byte) '\n');
		Connection connection = DataSourceUtils.getConnection(dataSource);
		CopyIn copy = null;
		try {
			copy = connection.unwrap(PGConnection.class)
				.getCopyAPI()
				.copyIn("COPY " + tableAndColumns + " FROM STDIN (FORMAT csv)");
			for (byte[] chunk : full) {
				copy.writeToCopy(chunk, 0, chunk.length);
			}
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
		for (int i = 0; i < length; i++) {
			write((byte) text.charAt(i));
		}
	}

	private void write(byte b) {
		if (size == bytes.length) {
			next();
		}
		bytes[size++] = b;
	}

	private void write(byte[] source, int from, int length) {
		while (length > 0) {
			if (size == bytes.length) {
				next();
			}
			int part = Math.min(length, bytes.length - size);
			System.arraycopy(source, from, bytes, size, part);
			size += part;
			from += part;
			length -= part;
		}
	}

	/** Starts a new chunk, the current one being full. */
	private void next() {
		full.add(bytes);
		bytes = new byte[CHUNK];
		size = 0;
	}
}
