package dev.subdesk.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.TestPropertySource;

/**
 * The demo vendor with a second official phone line, for the tests of several lines and of a line per country
 * (the list, the check, the footer, the support page, the notices): the demo's own defaults list one line only,
 * as shared/API.md says. The whole list is repeated because a list property is taken whole from one source. Its
 * own application context, shared by every class carrying this annotation; all other tests run with the
 * defaults. The number is in Ofcom's range kept for drama (020 7946 0000..0999).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@TestPropertySource(properties = { "subdesk.official-channels.phones[0].number=+1 202-555-0142",
		"subdesk.official-channels.phones[0].label=Acme support (US and Canada)",
		"subdesk.official-channels.phones[0].countries=US,CA",
		"subdesk.official-channels.phones[1].number=+44 20 7946 0321",
		"subdesk.official-channels.phones[1].label=Acme support (UK and Ireland)",
		"subdesk.official-channels.phones[1].countries=GB,IE" })
public @interface SecondSupportLine {
}
