// `sqlx::migrate!` embeds the migrations at compile time, but cargo does not know it reads
// them: without this a migration added to an already built tree is missing from the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
