"""Query analysis: what a question's words ask of BM25, one job a module.

- `asked_types`: the kinds of answer a question asks for (a dose, a proportion, a definition…);
- `alternatives`: what the generation's clinical vocabulary says the corpus calls a question's terms;
- `completions`: the corpus terms a shortened word begins ("upa" → "upadacitinib");
- `interrogatives`: the wh-words, which ask for a kind of answer and name no subject;
- `bm25_query`: the weighted terms one question sends to `index.bm25.Bm25Index.search`.

The build's half of the same ideas stays in index/ (passages annotated with the types they hold, the vocabulary the
corpus says); nothing in index/ reads a question.
"""
