//! The seed's url-downloader facade: downloads a page through `curl_adapter` and stores it
//! through `local_storage`, written with the seed's older `#[link(wasm_import_module)]` form.
use marine_rs_sdk::marine;

pub fn main() {}

/// Downloads `url` and saves it as `file_name` in the storage module's `sites` folder.
#[marine]
pub fn get_n_save(url: String, file_name: String) -> String {
    let page = download(url);
    let stored = file_put(file_name, page.into_bytes());
    if stored != "Ok" {
        return stored;
    }
    String::from("Ok")
}

/// Reads back a saved page.
#[marine]
pub fn load(file_name: String) -> Vec<u8> {
    file_get(file_name)
}

#[marine]
#[link(wasm_import_module = "curl_adapter")]
extern "C" {
    pub fn download(url: String) -> String;
}

#[marine]
#[link(wasm_import_module = "local_storage")]
extern "C" {
    #[link_name = "put"]
    pub fn file_put(name: String, file_content: Vec<u8>) -> String;

    #[link_name = "get"]
    pub fn file_get(file_name: String) -> Vec<u8>;
}
