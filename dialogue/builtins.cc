#include "dialogue/builtins.h"

namespace screener {
namespace {

bool IsSpanish(std::string_view locale) { return locale.substr(0, 2) == "es"; }

std::vector<Option> YesNo(std::string_view locale) {
  if (IsSpanish(locale)) {
    return {
        {"yes", "Sí", {"si", "sí", "claro", "vale", "de acuerdo", "sip", "afirmativo", "por supuesto",
                       "creo que si", "asi es", "totalmente", "un poco", "algo"}, 1, "s"},
        {"no", "No", {"no", "nop", "para nada", "en absoluto", "nunca", "creo que no", "no mucho",
                      "realmente no", "nada"}, 0, "n"},
    };
  }
  return {
      {"yes", "Yes", {"yeah", "yep", "yup", "yes please", "ya", "yea", "sure", "i think so", "definitely",
                      "absolutely", "of course", "correct", "right", "true", "it has", "it is", "it did",
                      "i have", "i am", "i do", "indeed", "affirmative", "kind of", "kinda", "sort of",
                      "a bit", "a little", "somewhat", "probably", "ok", "okay", "yes it has", "uh huh"},
       1, "y"},
      {"no", "No", {"nope", "nah", "no thanks", "not really", "not at all", "never", "i dont think so",
                    "not that i know of", "it hasnt", "it isnt", "it didnt", "i havent", "im not",
                    "i dont", "false", "negative", "no way", "none", "not much"},
       0, "n"},
  };
}

std::vector<Option> Frequency(std::string_view locale) {
  if (IsSpanish(locale)) {
    return {
        {"not_at_all", "Nunca", {"ningun dia", "para nada", "en absoluto", "no", "nada", "cero", "0"}, 0, "0"},
        {"several_days", "Varios días", {"algunos dias", "unos dias", "a veces", "pocos dias", "uno", "1"}, 1, "1"},
        {"more_than_half", "Más de la mitad de los días",
         {"mas de la mitad", "la mayoria de los dias", "muchos dias", "a menudo", "dos", "2"}, 2, "2"},
        {"nearly_every_day", "Casi todos los días",
         {"casi todos los dias", "todos los dias", "siempre", "a diario", "tres", "3"}, 3, "3"},
    };
  }
  return {
      {"not_at_all", "Not at all", {"never", "not once", "none", "no", "nope", "nah", "zero", "0",
                                    "none of the days", "no days", "not really"}, 0, "0"},
      {"several_days", "Several days", {"a few days", "some days", "a couple of days", "sometimes",
                                        "once or twice", "occasionally", "a little", "a bit", "rarely",
                                        "one", "1", "few days", "now and then"}, 1, "1"},
      {"more_than_half", "More than half the days",
       {"more than half", "most days", "often", "a lot", "half the time", "most of the time",
        "more often than not", "frequently", "lots", "two", "2", "over half the days"}, 2, "2"},
      {"nearly_every_day", "Nearly every day",
       {"every day", "everyday", "every single day", "almost every day", "always", "all the time", "daily", "constantly",
        "each day", "nearly always", "almost always", "three", "3"}, 3, "3"},
  };
}

}  // namespace

bool HasBuiltins(std::string_view locale) {
  return locale.substr(0, 2) == "en" || IsSpanish(locale);
}

std::vector<Option> BuiltinOptions(AnswerType type, std::string_view locale) {
  switch (type) {
    case AnswerType::kYesNo: return YesNo(locale);
    case AnswerType::kFrequency: return Frequency(locale);
    default: return {};
  }
}

std::map<Command, std::vector<std::string>> BuiltinCommandWords(std::string_view locale) {
  if (IsSpanish(locale)) {
    return {
        {Command::kHelp, {"ayuda", "?"}},
        {Command::kRestart, {"reiniciar", "empezar de nuevo", "volver a empezar"}},
        {Command::kBack, {"atras", "volver", "deshacer"}},
        {Command::kStop, {"parar", "salir", "terminar", "basta"}},
        {Command::kResources, {"recursos", "ayuda ahora", "linea de ayuda", "telefono de ayuda"}},
        {Command::kSkip, {"saltar", "siguiente", "paso"}},
    };
  }
  return {
      {Command::kHelp, {"help", "?", "commands", "what can i say"}},
      {Command::kRestart, {"restart", "start over", "start again", "begin again", "reset"}},
      {Command::kBack, {"back", "go back", "undo", "previous", "previous question"}},
      {Command::kStop, {"stop", "quit", "exit", "end", "cancel", "i want to stop"}},
      {Command::kResources, {"resources", "get help", "get help now", "helpline", "hotline",
                             "crisis line", "who can i talk to"}},
      {Command::kSkip, {"skip", "pass", "skip this", "skip it", "next question", "rather not say",
                        "id rather not say", "prefer not to say"}},
  };
}

std::vector<std::string> ContinueWords(std::string_view locale) {
  if (IsSpanish(locale)) return {"continuar", "seguir", "sigamos", "continua", "quiero seguir", "adelante"};
  return {"continue", "carry on", "go on", "keep going", "resume", "lets continue", "i want to continue",
          "continue please", "ok continue", "lets carry on", "back to the questions"};
}

std::vector<std::string> UnsurePhrases(std::string_view locale) {
  if (IsSpanish(locale)) return {"no se", "no estoy seguro", "no estoy segura", "quizas", "tal vez", "a lo mejor"};
  return {"no idea", "not sure", "unsure", "dont know", "do not know", "dunno", "maybe", "no clue",
          "cant say", "hard to say", "i guess not sure", "not certain"};
}

std::vector<std::string> NegatingWords(std::string_view locale) {
  if (IsSpanish(locale)) return {};
  return {"not", "hardly"};
}

std::map<std::string, std::string> DefaultTexts(std::string_view locale) {
  if (IsSpanish(locale)) {
    return {
        {"help", "Puedes responder con tus palabras o con los botones. Di \"atrás\" para cambiar tu última "
                 "respuesta, \"reiniciar\" para empezar de nuevo, \"recursos\" para ver con quién puedes hablar "
                 "ahora o \"parar\" para terminar."},
        {"back_none", "No hay una pregunta anterior a la que volver."},
        {"restarted", "De acuerdo, empecemos de nuevo."},
        {"stopped", "De acuerdo, lo dejamos aquí. Gracias por hablar conmigo."},
        {"ended", "Esta conversación ha terminado. Di \"reiniciar\" para hacerla otra vez o \"recursos\" para "
                  "ver con quién puedes hablar."},
        {"resources", "Estas son personas con las que puedes hablar ahora mismo:"},
        {"hold_again", "Sigo aquí. Las personas de la lista están disponibles para ti ahora mismo. Cuando quieras "
                       "seguir con las preguntas, di \"continuar\"."},
        {"unclear", "Perdona, no lo he entendido."},
        {"options", "Puedes responder:"},
        {"continue_button", "Continuar"},
        {"empty", "No he recibido ningún mensaje."},
    };
  }
  return {
      {"help", "You can answer in your own words or tap a button. Say \"back\" to change your last answer, "
               "\"restart\" to start over, \"resources\" to see who you can talk to right now, or \"stop\" to "
               "finish."},
      {"back_none", "There's no earlier question to go back to."},
      {"restarted", "Okay, let's start again from the beginning."},
      {"stopped", "Okay, we'll stop here. Thank you for talking with me."},
      {"ended", "This check has finished. Say \"restart\" to go through it again, or \"resources\" to see who "
                "you can talk to."},
      {"resources", "Here are people you can reach right now:"},
      {"hold_again", "I'm still here. The people listed are there for you right now. When you want to go on "
                     "with the questions, say \"continue\"."},
      {"unclear", "Sorry, I didn't quite catch that."},
      {"options", "You can answer:"},
      {"continue_button", "Continue"},
      {"empty", "I didn't get a message there."},
  };
}

std::vector<std::string> TextKeys() {
  std::vector<std::string> keys;
  for (const auto& [key, text] : DefaultTexts("en")) keys.push_back(key);
  return keys;
}

std::string_view CommandName(Command command) {
  switch (command) {
    case Command::kHelp: return "help";
    case Command::kRestart: return "restart";
    case Command::kBack: return "back";
    case Command::kStop: return "stop";
    case Command::kResources: return "resources";
    case Command::kSkip: return "skip";
  }
  return "?";
}

std::optional<Command> CommandFromName(std::string_view name) {
  for (Command c : {Command::kHelp, Command::kRestart, Command::kBack, Command::kStop, Command::kResources,
                    Command::kSkip}) {
    if (CommandName(c) == name) return c;
  }
  return std::nullopt;
}

}  // namespace screener
