"""Plain-text tools shared by retrieval and the offline answerer: words, stop words, stems, embeddings."""
