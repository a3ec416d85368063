//! Inputs shared by the benches.
#![allow(dead_code, reason = "each bench uses a subset")]

/// A realistic 1 KB prompt with five pieces of PII.
pub fn prompt_1k() -> String {
    let p = "Hi team, please draft a reply to the customer below and keep the tone friendly. \
The customer, reachable at maria.gonzalez@example.com or +1 (415) 555-0132, says the refund for \
order 88231 has not arrived. She paid with card 4111 1111 1111 1111 on 12/03/2024 and asks whether \
we need her IBAN (DE89 3704 0044 0532 0130 00) to send the money back instead. Summarize what went \
wrong, apologize once, and propose two options: a refund to the original card within five business \
days, or store credit with a ten percent bonus. Do not promise anything about shipping times, and \
mention that our support portal has a tracking page. Keep it under 150 words and sign as the \
Customer Care team. Also note internally that the request came from IP 203.0.113.42 and that the \
account was created last spring; flag it if anything looks unusual.";
    let mut s = p.to_owned();
    while s.len() < 1024 {
        s.push_str(" Thanks!");
    }
    s.truncate(1024);
    s
}

/// Ordinary prose with no personal data.
pub fn prose(len: usize) -> String {
    let unit =
        "The assistant reviews the quarterly plan, summarizes the open questions, and suggests \
next steps for the product team while keeping the tone concise and friendly. ";
    let mut s = unit.repeat(len / unit.len() + 1);
    s.truncate(len);
    s
}
