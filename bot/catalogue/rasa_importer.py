"""Rasa training-data importer that adds the catalogue's answers as retrieval responses.

Products are one retrieval intent (`ask_product/<key>`) so the dialogue has one rule for
all products. The retrieval action needs a response per sub-intent; we take those from
the catalogue instead of duplicating every answer in `domain.yml`. Configured in
`config.yml` under `importers:`; used by `rasa train`, `rasa test` and `rasa data validate`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional, Text, Union

from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.structures import StoryGraph
from rasa.shared.importers import utils
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from .loader import load_catalogue
from .model import Catalogue


def retrieval_responses(catalogue: Catalogue) -> Dict[str, List[dict]]:
    """One response per product and per other organisation, in the chat's words."""
    responses: Dict[str, List[dict]] = {}
    for product in catalogue.products.values():
        responses[f"utter_ask_product/{product.key}"] = [{"text": product.answer}]
    for org in catalogue.organisations.values():
        responses[f"utter_ask_organisation/{org.id}"] = [{"text": org.reply()}]
    return responses


def catalogue_examples(catalogue: Catalogue) -> List[Message]:
    """Each product's title and everyday words (synonyms) as extra examples of its product.

    Citizens say "kliko" where the catalogue says "afvalcontainer": the words maintainers
    keep in the catalogue are evidence too. A word that two products share says nothing
    about which one is meant, so it is left out.
    """
    owners: Dict[str, set] = {}
    for product in catalogue.products.values():
        for word in {product.title.lower(), *product.synonyms}:
            owners.setdefault(word, set()).add(product.key)
    return [Message.build(text=word, intent=f"ask_product/{next(iter(keys))}")
            for word, keys in sorted(owners.items()) if len(keys) == 1]


class CatalogueImporter(RasaFileImporter):
    """RasaFileImporter plus the catalogue's answers as retrieval responses."""

    def __init__(
        self,
        config_file: Optional[Text] = None,
        domain_path: Optional[Text] = None,
        training_data_paths: Optional[Union[List[Text], Text]] = None,
        catalogue: Text = "data/catalogue",
    ):
        super().__init__(config_file, domain_path, training_data_paths)
        base = Path(config_file).resolve().parent if config_file else Path.cwd()
        self._catalogue_dir = base / catalogue

    def get_nlu_data(self, language: Optional[Text] = "en") -> TrainingData:
        data = super().get_nlu_data(language)
        catalogue = load_catalogue(self._catalogue_dir)
        known = {example.get("text") for example in data.training_examples}
        extra = [m for m in catalogue_examples(catalogue) if m.get("text") not in known]
        return data.merge(TrainingData(training_examples=extra, responses=retrieval_responses(catalogue)))

    def _domain_with_retrieval_intents(self) -> Domain:
        # Rasa adds retrieval intents to the domain from the NLU data and warns about
        # duplicates when domain.yml lists them too; but the story reader, which only
        # sees domain.yml, needs them. So domain.yml leaves them out and stories and
        # test stories are read against the domain plus the retrieval intents.
        intents = sorted(super().get_nlu_data().retrieval_intents)
        return self.get_domain().merge(Domain.from_dict({"intents": intents}))

    def get_stories(self, exclusion_percentage: Optional[int] = None) -> StoryGraph:
        return utils.story_graph_from_paths(
            self._story_files, self._domain_with_retrieval_intents(), exclusion_percentage
        )

    def get_conversation_tests(self) -> StoryGraph:
        return utils.story_graph_from_paths(
            self._conversation_test_files, self._domain_with_retrieval_intents()
        )
